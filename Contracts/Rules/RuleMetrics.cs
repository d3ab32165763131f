using System.Collections.Frozen;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>
/// The metrics a rule can watch and how each is read from a container's 1-second <see cref="SamplePoint"/>s.
/// <c>memoryPercent</c> is not kept per point: it is <see cref="SamplePoint.MemoryUsedBytes"/> over the container's
/// memory limit (the host's memory when it has none), as <c>docker stats</c> computes it.
/// </summary>
public static class RuleMetrics
{
    public const string CpuPercent = "cpuPercent";
    public const string MemoryPercent = "memoryPercent";
    public const string MemoryUsedBytes = "memoryUsedBytes";
    public const string NetRxBytesPerSecond = "netRxBytesPerSecond";
    public const string NetTxBytesPerSecond = "netTxBytesPerSecond";
    public const string BlockReadBytesPerSecond = "blockReadBytesPerSecond";
    public const string BlockWriteBytesPerSecond = "blockWriteBytesPerSecond";
    public const string Pids = "pids";
    public const string ThrottledPeriodsRatio = "throttledPeriodsRatio";

    /// <summary>Every metric name, as the rule's JSON writes it.</summary>
    public static readonly FrozenSet<string> Names = FrozenSet.ToFrozenSet(
        [CpuPercent, MemoryPercent, MemoryUsedBytes, NetRxBytesPerSecond, NetTxBytesPerSecond, BlockReadBytesPerSecond, BlockWriteBytesPerSecond, Pids, ThrottledPeriodsRatio],
        StringComparer.Ordinal);

    /// <summary>
    /// The metric's value at one point, or null when the point does not measure it (the network of a container on
    /// the host's network). <paramref name="memoryLimitBytes"/> is the container's limit, or the host's memory.
    /// </summary>
    public static double? Read(string metric, in SamplePoint point, long memoryLimitBytes) => metric switch
    {
        CpuPercent => point.CpuPercent,
        MemoryPercent => memoryLimitBytes > 0 ? 100.0 * point.MemoryUsedBytes / memoryLimitBytes : null,
        MemoryUsedBytes => point.MemoryUsedBytes,
        NetRxBytesPerSecond => point.NetRxBytesPerSecond,
        NetTxBytesPerSecond => point.NetTxBytesPerSecond,
        BlockReadBytesPerSecond => point.BlockReadBytesPerSecond,
        BlockWriteBytesPerSecond => point.BlockWriteBytesPerSecond,
        Pids => point.Pids,
        ThrottledPeriodsRatio => point.ThrottledPeriodsRatio,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a rule metric"),
    };
}

/// <summary>How a rule folds the selected containers' windows into one value.</summary>
public static class RuleAggregates
{
    /// <summary>The mean over the selected running containers of each one's mean over the window.</summary>
    public const string Avg = "avg";

    /// <summary>The largest value of any point of any selected container in the window.</summary>
    public const string Max = "max";

    /// <summary>The 95th percentile (nearest rank) of every point of every selected container in the window.</summary>
    public const string P95 = "p95";

    public static readonly FrozenSet<string> Names = FrozenSet.ToFrozenSet([Avg, Max, P95], StringComparer.Ordinal);
}
