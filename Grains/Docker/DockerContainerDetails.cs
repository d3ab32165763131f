using Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>A container's inspect result: its metadata plus what a stats reader and "% of limit" need.</summary>
/// <param name="Pid">The host PID of the main process; 0 when not running.</param>
/// <param name="NanoCpus">The <c>--cpus</c> limit × 10⁹; 0 when unset (see CpuQuota/CpuPeriod then).</param>
/// <param name="MemoryLimitBytes">The <c>-m</c> limit; 0 when unset.</param>
/// <param name="NetworkMode"><c>HostConfig.NetworkMode</c>: <c>host</c>, <c>none</c>, <c>container:&lt;id&gt;</c>, or a network name.</param>
public sealed record DockerContainerDetails(
    ContainerInfo Info,
    int Pid,
    long NanoCpus,
    long CpuQuota,
    long CpuPeriod,
    long MemoryLimitBytes,
    int RestartCount,
    string NetworkMode = "")
{
    private const string ContainerModePrefix = "container:";

    /// <summary>The CPU limit in cores, or null when unlimited.</summary>
    public double? CpuLimitCores =>
        NanoCpus > 0 ? NanoCpus / 1e9 : CpuQuota > 0 && CpuPeriod > 0 ? (double)CpuQuota / CpuPeriod : null;

    /// <summary>
    /// The network namespace whose interfaces <c>docker stats</c> counts for this container, named by its owner: X
    /// for <c>container:X</c> (dockerd reports X's sandbox for it), null for <c>host</c> and <c>none</c> (dockerd
    /// reports no network), else the container itself.
    /// </summary>
    public string? NetworkNamespace => NetworkMode switch
    {
        "host" or "none" => null,
        _ when NetworkMode.StartsWith(ContainerModePrefix, StringComparison.Ordinal) => NetworkMode[ContainerModePrefix.Length..],
        _ => Info.Id,
    };

    /// <summary>What a stats source needs to read this container, or null when it is not running.</summary>
    public ContainerTarget? Target =>
        Pid > 0 && Info.State is ContainerState.Running or ContainerState.Paused or ContainerState.Restarting
            ? new ContainerTarget(Info.Id, Pid, Info.StartedAt ?? Info.Created, NetworkNamespace)
            : null;
}
