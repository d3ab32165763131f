using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.UnitTests.Windows;

public sealed class MinuteAccumulatorTests
{
    private static readonly DateTimeOffset Minute0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ContainerSample Sample(
        DateTimeOffset at, double cpu, long memory, long rx = 0, long tx = 0, long read = 0, long write = 0, long pids = 1, long throttled = 0) =>
        new(at, cpu, cpu, 0, memory, 64 << 20, memory * 100.0 / (64 << 20), true, rx, tx, 0, 0, read, write, 0, 0, pids, null, 0, throttled);

    [Fact]
    public void Add_SampleInNextMinute_ClosesPreviousWithStatistics()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        for (var s = 0; s < 60; s++)
        {
            // CPU 1..60 %, memory 1..60 MiB, 1000 rx bytes per second.
            Assert.Null(acc.Add(Sample(Minute0.AddSeconds(s), s + 1, (s + 1) << 20, rx: 10_000 + (s * 1000L), pids: s % 7)));
        }

        var closed = acc.Add(Sample(Minute0.AddSeconds(60), 5, 1 << 20, rx: 70_000));

        Assert.NotNull(closed);
        Assert.Equal(Minute0, closed.Minute);
        Assert.Equal(60, closed.SampleCount);
        Assert.Equal(30.5, closed.CpuPercentAvg, 6);
        Assert.Equal(1, closed.CpuPercentMin);
        Assert.Equal(60, closed.CpuPercentMax);
        Assert.Equal(57, closed.CpuPercentP95); // nearest rank: ceil(0.95 * 60) = 57th value
        Assert.Equal(1L << 20, closed.MemoryUsedBytesMin);
        Assert.Equal(60L << 20, closed.MemoryUsedBytesMax);
        Assert.Equal(57L << 20, closed.MemoryUsedBytesP95);
        Assert.Equal(59_000, closed.NetRxBytes); // first sample is the baseline
        Assert.Equal(6, closed.PidsMax);
        Assert.Equal(Minute0.AddMinutes(1), acc.OpenMinute);
    }

    [Fact]
    public void Add_ConsecutiveMinutes_ByteDeltasSumToCounterTotal()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        var closed = new List<MinuteAggregate>();
        long rx = 0;
        for (var s = 0; s < 180; s++)
        {
            rx += 100 + s;
            if (acc.Add(Sample(Minute0.AddSeconds(s), 1, 1, rx: rx, write: rx * 2)) is { } minute)
            {
                closed.Add(minute);
            }
        }

        closed.Add(acc.Flush()!);
        var firstRx = 100L;
        Assert.Equal(3, closed.Count);
        Assert.Equal(rx - firstRx, closed.Sum(m => m.NetRxBytes));
        Assert.Equal(2 * (rx - firstRx), closed.Sum(m => m.BlockWriteBytes));
    }

    [Fact]
    public void Add_CounterWentBackwards_CountsFromZeroNotNegative()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.Add(Sample(Minute0.AddSeconds(1), 1, 1, rx: 1_000_000, read: 5000));
        acc.Add(Sample(Minute0.AddSeconds(2), 1, 1, rx: 1_000_500, read: 5000));
        acc.Add(Sample(Minute0.AddSeconds(3), 1, 1, rx: 300, read: 100)); // restarted: new cgroup and netns
        var closed = acc.Flush()!;

        Assert.Equal(800, closed.NetRxBytes);
        Assert.Equal(100, closed.BlockReadBytes);
    }

    [Fact]
    public void CloseIfElapsed_QuietContainer_ClosesOnlyAfterMinuteEnds()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.Add(Sample(Minute0.AddSeconds(10), 2, 2, throttled: 5));
        acc.Add(Sample(Minute0.AddSeconds(11), 4, 4, throttled: 7));

        Assert.Null(acc.CloseIfElapsed(Minute0.AddSeconds(59.9)));
        var closed = acc.CloseIfElapsed(Minute0.AddSeconds(60));

        Assert.NotNull(closed);
        Assert.Equal(2, closed.SampleCount);
        Assert.Equal(3, closed.CpuPercentAvg);
        Assert.Equal(12, closed.ThrottledTimeNanoseconds);
        Assert.Null(acc.OpenMinute);
        Assert.Null(acc.CloseIfElapsed(Minute0.AddMinutes(5)));
    }

    [Fact]
    public void FloorToMinute_AnyOffset_ReturnsUtcMinute()
    {
        var t = new DateTimeOffset(2026, 11, 21, 13, 5, 59, 999, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 5, 0, TimeSpan.Zero), MinuteAccumulator.FloorToMinute(t));
    }
}
