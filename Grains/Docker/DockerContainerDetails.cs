using Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>A container's inspect result: its metadata plus what a stats reader and "% of limit" need.</summary>
/// <param name="Pid">The host PID of the main process; 0 when not running.</param>
/// <param name="NanoCpus">The <c>--cpus</c> limit × 10⁹; 0 when unset (see CpuQuota/CpuPeriod then).</param>
/// <param name="MemoryLimitBytes">The <c>-m</c> limit; 0 when unset.</param>
public sealed record DockerContainerDetails(
    ContainerInfo Info,
    int Pid,
    long NanoCpus,
    long CpuQuota,
    long CpuPeriod,
    long MemoryLimitBytes,
    int RestartCount)
{
    /// <summary>The CPU limit in cores, or null when unlimited.</summary>
    public double? CpuLimitCores =>
        NanoCpus > 0 ? NanoCpus / 1e9 : CpuQuota > 0 && CpuPeriod > 0 ? (double)CpuQuota / CpuPeriod : null;
}
