namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>
/// The raw cumulative counters and current gauges of one container at its latest reading, as the kernel counts them
/// (nanoseconds, bytes, periods), for exporters whose consumers compute rates themselves (Prometheus' <c>rate()</c>).
/// They start over when the container restarts (a new cgroup). Present from the first reading of a run, before any
/// derived sample exists.
/// </summary>
/// <param name="MemoryWorkingSetBytes">Usage less inactive file cache, as cAdvisor computes it (0 when the inactive file cache exceeds usage).</param>
/// <param name="MemoryCacheBytes">Page cache: v1 <c>total_cache</c>, v2 <c>file</c> of <c>memory.stat</c>.</param>
/// <param name="NetRxBytes">Summed over the interfaces of the container's network namespace; null when not measured (host and none networks).</param>
/// <param name="BlockReadBytes">Summed over devices.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerCounters(
    [property: Id(0)] ulong CpuTotalNanoseconds,
    [property: Id(1)] ulong CpuUserNanoseconds,
    [property: Id(2)] ulong CpuKernelNanoseconds,
    [property: Id(3)] ulong ThrottlePeriods,
    [property: Id(4)] ulong ThrottledPeriods,
    [property: Id(5)] ulong ThrottledNanoseconds,
    [property: Id(6)] ulong MemoryUsageBytes,
    [property: Id(7)] ulong MemoryWorkingSetBytes,
    [property: Id(8)] ulong MemoryCacheBytes,
    [property: Id(9)] ulong? NetRxBytes,
    [property: Id(10)] ulong? NetTxBytes,
    [property: Id(11)] ulong BlockReadBytes,
    [property: Id(12)] ulong BlockWriteBytes,
    [property: Id(13)] ulong Pids);
