using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Grains.Stats;

/// <summary>
/// Raw cumulative counters of one container at one instant, the same whichever source read them
/// (Docker stats API or cgroup files). Nanoseconds and bytes, as the kernel counts them.
/// </summary>
/// <param name="Timestamp">When the counters were read (the frame's <c>read</c>, or the clock at the file read).</param>
/// <param name="CpuTotalNanoseconds">cpuacct.usage / cpu.stat usage_usec×1000 / <c>cpu_usage.total_usage</c>.</param>
/// <param name="CpuUserNanoseconds">User-mode CPU time (10 ms granularity on cgroup v1).</param>
/// <param name="CpuKernelNanoseconds">Kernel-mode CPU time (10 ms granularity on cgroup v1).</param>
/// <param name="SystemCpuNanoseconds">Host CPU time: the first 7 fields of /proc/stat's cpu line × 10⁷, as dockerd reads it.</param>
/// <param name="OnlineCpus">Online CPUs as dockerd reports them; the multiplier of the CPU % formula.</param>
/// <param name="MemoryInactiveFileBytes">v1 <c>total_inactive_file</c>, v2 <c>inactive_file</c>; 0 when absent.</param>
/// <param name="NetRxBytes">Summed over the interfaces Docker attached to the container's sandbox (eth0, eth1, ...).</param>
/// <param name="NetworkMeasured">
/// False when Docker measures no network for the container (host and none networks, or no endpoint at all); the
/// network counters are then 0 and mean nothing.
/// </param>
/// <param name="MemoryCacheBytes">Page cache: v1 <c>total_cache</c>, v2 <c>file</c>; 0 when absent.</param>
public readonly record struct CounterReading(
    DateTimeOffset Timestamp,
    ulong CpuTotalNanoseconds,
    ulong CpuUserNanoseconds,
    ulong CpuKernelNanoseconds,
    ulong SystemCpuNanoseconds,
    int OnlineCpus,
    ulong ThrottlePeriods,
    ulong ThrottledPeriods,
    ulong ThrottledTimeNanoseconds,
    ulong MemoryUsageBytes,
    ulong MemoryLimitBytes,
    ulong MemoryInactiveFileBytes,
    ulong NetRxBytes,
    ulong NetTxBytes,
    ulong BlockReadBytes,
    ulong BlockWriteBytes,
    ulong Pids,
    ulong PidsLimit,
    bool NetworkMeasured = true,
    ulong MemoryCacheBytes = 0)
{
    /// <summary>The raw counters as the Prometheus exposition shows them; the working set as cAdvisor computes it (0 when inactive file exceeds usage).</summary>
    public ContainerCounters ToCounters() => new(
        CpuTotalNanoseconds,
        CpuUserNanoseconds,
        CpuKernelNanoseconds,
        ThrottlePeriods,
        ThrottledPeriods,
        ThrottledTimeNanoseconds,
        MemoryUsageBytes,
        MemoryInactiveFileBytes < MemoryUsageBytes ? MemoryUsageBytes - MemoryInactiveFileBytes : 0,
        MemoryCacheBytes,
        NetworkMeasured ? NetRxBytes : null,
        NetworkMeasured ? NetTxBytes : null,
        BlockReadBytes,
        BlockWriteBytes,
        Pids);
}
