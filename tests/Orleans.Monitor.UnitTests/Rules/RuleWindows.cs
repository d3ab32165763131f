using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.UnitTests.Rules;

/// <summary>Windows as host grains return them, built from CPU values one second apart.</summary>
internal static class RuleWindows
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public static ContainerWindow Cpu(string name, params float[] cpu) => new(
        name + "-id",
        name,
        Running: true,
        MemoryLimitBytes: 1000,
        [.. cpu.Select((c, i) => new SamplePoint(T0.AddSeconds(i), c, 0, 0, (long)(c * 10), null, null, 0, 0, 1, c / 100))]);

    public static ContainerWindow Stopped(string name) => new(name + "-id", name, Running: false, 1000, []);

    public static HostWindows Host(string hostId, params ContainerWindow[] containers) => new(hostId, true, null, [.. containers]);
}
