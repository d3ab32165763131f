namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>
/// One derived sample of a container, computed exactly as <c>docker stats</c> does.
/// Byte counters are cumulative since the container started; rates are per second over the last interval.
/// </summary>
public sealed record ContainerSample(
    DateTimeOffset Timestamp,
    double CpuPercent,
    double CpuUserPercent,
    double CpuKernelPercent,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    double MemoryPercent,
    bool MemoryLimited,
    long NetRxBytes,
    long NetTxBytes,
    double NetRxBytesPerSecond,
    double NetTxBytesPerSecond,
    long BlockReadBytes,
    long BlockWriteBytes,
    double BlockReadBytesPerSecond,
    double BlockWriteBytesPerSecond,
    long Pids,
    long? PidsLimit,
    double ThrottledPeriodsRatio,
    long ThrottledTimeNanoseconds)
{
    /// <summary>The compact form kept in the rolling window.</summary>
    public SamplePoint ToPoint() => new(
        Timestamp,
        (float)CpuPercent,
        (float)CpuUserPercent,
        (float)CpuKernelPercent,
        MemoryUsedBytes,
        (float)NetRxBytesPerSecond,
        (float)NetTxBytesPerSecond,
        (float)BlockReadBytesPerSecond,
        (float)BlockWriteBytesPerSecond,
        (int)Math.Min(Pids, int.MaxValue));
}
