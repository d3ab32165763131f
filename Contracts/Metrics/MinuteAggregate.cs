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
/// <param name="ThrottlePeriods">
/// CFS periods that elapsed in the minute while the container could run (delta of cpu.stat <c>nr_periods</c>); 0 without
/// a CPU quota, and in rows stored before the count was kept.
/// </param>
/// <param name="ThrottledPeriods">
/// Of <see cref="ThrottlePeriods"/>, the periods in which the quota throttled the container (delta of cpu.stat
/// <c>nr_throttled</c>); ThrottledPeriods / ThrottlePeriods is the minute's throttled share of periods.
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
    string? NetworkNamespace = null,
    long ThrottlePeriods = 0,
    long ThrottledPeriods = 0);
