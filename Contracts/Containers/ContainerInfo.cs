using System.Text.Json.Serialization;

namespace Orleans.Monitor.Contracts.Containers;

/// <summary>Metadata and lifecycle of one container, as the Docker API reports it (list and inspect).</summary>
/// <param name="Id">The full 64-hex container id.</param>
/// <param name="HostId">The daemon ID of the host that runs it.</param>
/// <param name="Name">The name without Docker's leading '/'.</param>
/// <param name="State">One of <see cref="ContainerState"/>.</param>
/// <param name="Health">Health check status (<c>healthy</c>, <c>unhealthy</c>, <c>starting</c>) or null without a check.</param>
/// <param name="ExitCode">Exit code of the last run once it ended (also while <c>restarting</c>); null while it runs or never ran.</param>
/// <param name="OomKilled">The kernel's OOM killer killed a process of the container since it last started (an <c>oom</c> event), even when the container kept running.</param>
/// <param name="RestartCount">How many times Docker restarted the container (its restart policy); inspect's <c>RestartCount</c>.</param>
/// <param name="LastExitCode">The exit code of the most recent exit (the <c>die</c> event's <c>exitCode</c>), kept while a restarted container runs again; null while it never exited.</param>
/// <param name="Limits">CPU and memory limits from inspect; null when known only from a listing or an event. Not part of the JSON contract.</param>
/// <param name="OomEvents">The <c>oom</c> events seen for the container since its host grain started watching it. Not part of the JSON contract.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string HostId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Image,
    [property: Id(4)] IReadOnlyDictionary<string, string> Labels,
    [property: Id(5)] string? ComposeProject,
    [property: Id(6)] string? ComposeService,
    [property: Id(7)] string State,
    [property: Id(8)] string? Health,
    [property: Id(9)] DateTimeOffset Created,
    [property: Id(10)] DateTimeOffset? StartedAt,
    [property: Id(11)] DateTimeOffset? FinishedAt,
    [property: Id(12)] int? ExitCode,
    [property: Id(13)] bool OomKilled,
    [property: Id(14)] bool Removed,
    [property: Id(15)] int RestartCount = 0,
    [property: Id(16)] int? LastExitCode = null,
    [property: Id(17), JsonIgnore] ContainerLimits? Limits = null,
    [property: Id(18), JsonIgnore] int OomEvents = 0)
{
    /// <summary>
    /// The CPU limit in cores (JSON <c>cpuLimitCores</c>): <c>--cpus</c> or the CFS quota over its period, else the
    /// size of the cpuset (<c>--cpuset-cpus 0-1</c> is 2); null when unlimited or not inspected yet.
    /// </summary>
    public double? CpuLimitCores => Limits?.CpuCores;

    /// <summary>The <c>-m</c> memory limit in bytes (JSON <c>memoryLimitBytes</c>); null when unlimited or not inspected yet.</summary>
    public long? MemoryLimitBytes => Limits is { MemoryLimitBytes: > 0 } limits ? limits.MemoryLimitBytes : null;

    /// <summary>The <c>--cpuset-cpus</c> list (JSON <c>cpuSet</c>, e.g. <c>0-1,3</c>); null when not pinned or not inspected yet.</summary>
    public string? CpuSet => Limits?.CpuSet;
}
