namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>One closed wall-clock minute of a container's samples; the unit of persisted history.</summary>
public sealed record MinuteAggregate(
    string ContainerId,
    string HostId,
    DateTimeOffset Minute,
    int SampleCount,
    double CpuPercentAvg,
    double CpuPercentMin,
    double CpuPercentMax,
    double CpuPercentP95,
    long MemoryUsedBytesAvg,
    long MemoryUsedBytesMin,
    long MemoryUsedBytesMax,
    long MemoryUsedBytesP95,
    long MemoryLimitBytes,
    long NetRxBytes,
    long NetTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes,
    long PidsMax,
    long ThrottledTimeNanoseconds);
