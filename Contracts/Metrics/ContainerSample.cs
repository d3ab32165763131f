namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>
/// One derived sample of a container, computed exactly as <c>docker stats</c> does.
/// Byte counters are cumulative since the container started; rates are per second over the last interval.
/// The network fields are null when Docker measures no network for the container (<c>--network host</c> or
/// <c>none</c>): not measured, which is neither 0 nor the host's traffic.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ContainerSample(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] double CpuPercent,
    [property: Id(2)] double CpuUserPercent,
    [property: Id(3)] double CpuKernelPercent,
    [property: Id(4)] long MemoryUsedBytes,
    [property: Id(5)] long MemoryLimitBytes,
    [property: Id(6)] double MemoryPercent,
    [property: Id(7)] bool MemoryLimited,
    [property: Id(8)] long? NetRxBytes,
    [property: Id(9)] long? NetTxBytes,
    [property: Id(10)] double? NetRxBytesPerSecond,
    [property: Id(11)] double? NetTxBytesPerSecond,
    [property: Id(12)] long BlockReadBytes,
    [property: Id(13)] long BlockWriteBytes,
    [property: Id(14)] double BlockReadBytesPerSecond,
    [property: Id(15)] double BlockWriteBytesPerSecond,
    [property: Id(16)] long Pids,
    [property: Id(17)] long? PidsLimit,
    [property: Id(18)] double ThrottledPeriodsRatio,
    [property: Id(19)] long ThrottledTimeNanoseconds)
{
    /// <summary>The compact form kept in the rolling window.</summary>
    public SamplePoint ToPoint() => new(
        Timestamp,
        (float)CpuPercent,
        (float)CpuUserPercent,
        (float)CpuKernelPercent,
        MemoryUsedBytes,
        (float?)NetRxBytesPerSecond,
        (float?)NetTxBytesPerSecond,
        (float)BlockReadBytesPerSecond,
        (float)BlockWriteBytesPerSecond,
        (int)Math.Min(Pids, int.MaxValue),
        (float)ThrottledPeriodsRatio);
}
