using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Hosts;

namespace Orleans.Monitor.UnitTests.Hosts;

public sealed class HostTotalsCalculatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sum_PausedContainer_KeepsItsMemoryAndPids()
    {
        // The example: pausing one of two containers dropped the host's total from 80 MB to 67 MB.
        var containers = new[]
        {
            Live("a", ContainerState.Running, Sample(cpu: 50, memory: 67_000_000, pids: 3)),
            Live("b", ContainerState.Paused, Sample(cpu: 0, memory: 13_000_000, pids: 1)),
            Live("c", ContainerState.Exited, null),
        };

        var totals = HostTotalsCalculator.Sum(containers, id => id);

        Assert.Equal(80_000_000, totals.MemoryUsedBytes);
        Assert.Equal(50, totals.CpuPercent);
        Assert.Equal(4, totals.Pids);
    }

    [Fact]
    public void Sum_ContainersSharingANamespace_CountItsNetworkOnce()
    {
        var namespaces = new Dictionary<string, string?> { ["owner"] = "owner", ["joiner"] = "owner", ["other"] = "other", ["hostnet"] = null };
        var containers = new[]
        {
            // The joiner read the same counters a moment later; the owner's reading stands for the namespace.
            Live("joiner", ContainerState.Running, Sample(rx: 1100, tx: 60)),
            Live("owner", ContainerState.Running, Sample(rx: 1000, tx: 50)),
            Live("other", ContainerState.Running, Sample(rx: 10, tx: 5)),
            Live("hostnet", ContainerState.Running, Sample(rx: null, tx: null)),
        };

        var totals = HostTotalsCalculator.Sum(containers, id => namespaces[id]);

        Assert.Equal(1010, totals.NetRxBytesPerSecond);
        Assert.Equal(55, totals.NetTxBytesPerSecond);
    }

    [Fact]
    public void Sum_NoNetworkMeasured_NetworkNull()
    {
        var totals = HostTotalsCalculator.Sum([Live("hostnet", ContainerState.Running, Sample(rx: null, tx: null))], _ => null);

        Assert.Null(totals.NetRxBytesPerSecond);
        Assert.Null(totals.NetTxBytesPerSecond);
    }

    private static ContainerLive Live(string id, string state, ContainerSample? sample) =>
        new(new ContainerInfo(id, "h", id, "busybox", new Dictionary<string, string>(), null, null, state, null, T0, T0, null, null, false, false), sample);

    private static ContainerSample Sample(double cpu = 0, long memory = 0, long pids = 1, double? rx = 0, double? tx = 0) =>
        new(T0, cpu, cpu, 0, memory, 1L << 34, 0, false, rx is null ? null : 0, tx is null ? null : 0, rx, tx, 0, 0, 0, 0, pids, null, 0, 0);
}
