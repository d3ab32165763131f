namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>One closed wall-clock minute of a container's samples; the unit of persisted history.</summary>
/// <remarks>
/// Byte and time counters are what the minute added to the container's cumulative counters; the first minute of a run
/// the monitor saw start counts from zero. <see cref="NetRxBytes"/> and <see cref="NetTxBytes"/> are null when the
/// network was not measured (host and none networks).
/// </remarks>
/// <param name="CpuTimeNanoseconds">CPU time the container used in the minute (delta of its CPU usage counter).</param>
/// <param name="NetworkNamespace">
/// Whose network namespace the network bytes were counted in (see <see cref="Containers.ContainerTarget.NetworkNamespace"/>);
/// rows with the same value count the same traffic, so host totals take it once.
/// </param>
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
    long? NetRxBytes,
    long? NetTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes,
    long PidsMax,
    long ThrottledTimeNanoseconds,
    long CpuTimeNanoseconds = 0,
    string? NetworkNamespace = null);
