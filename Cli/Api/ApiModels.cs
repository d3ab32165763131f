namespace Orleans.Monitor.Cli.Api;

// The JSON the Api writes (docs/live-api.md), read into records of our own so the CLI needs no Orleans assembly.
// Only the members the CLI shows are declared; the rest of each object is ignored. Every declared member must be in
// the answer, and null only where the record says so (MonitorApiClient reads with the Respect* options).

/// <summary>A host's facts (<c>HostInfo</c>).</summary>
public sealed record HostInfo(string HostId, string Name, int Cpus, long MemoryTotalBytes, string? DockerVersion);

/// <summary>One entry of <c>GET /api/hosts</c>.</summary>
public sealed record HostSummary(
    HostInfo? Host,
    string HostId,
    string Status,
    DateTimeOffset? LastSeen,
    string? Error,
    int ContainersRunning,
    int ContainersTotal,
    double CpuPercent,
    long MemoryUsedBytes);

/// <summary>A container's metadata and lifecycle (<c>ContainerInfo</c>).</summary>
/// <param name="RestartCount">How many times Docker restarted it (inspect's <c>RestartCount</c>).</param>
/// <param name="LastExitCode">The latest <c>die</c> event's exit code, kept while a restarted container runs again.</param>
public sealed record ContainerInfo(
    string Id,
    string HostId,
    string Name,
    string Image,
    string State,
    string? Health,
    DateTimeOffset Created,
    DateTimeOffset? StartedAt,
    int? ExitCode,
    int RestartCount,
    int? LastExitCode);

/// <summary>A container's latest one-second sample (<c>ContainerSample</c>); the network rates are null where Docker measures no network.</summary>
public sealed record ContainerSample(
    DateTimeOffset Timestamp,
    double CpuPercent,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    double MemoryPercent,
    double? NetRxBytesPerSecond,
    double? NetTxBytesPerSecond,
    double BlockReadBytesPerSecond,
    double BlockWriteBytesPerSecond,
    long Pids);

/// <summary>A container with its latest sample, null until it has one (<c>ContainerLive</c>).</summary>
public sealed record ContainerLive(ContainerInfo Container, ContainerSample? Sample);

/// <summary>One frame of the hub's <c>WatchAll</c> stream: the whole live state of one host.</summary>
public sealed record HostFrame(
    long Sequence,
    DateTimeOffset Timestamp,
    HostInfo? Host,
    string HostId,
    string Status,
    DateTimeOffset? LastSeen,
    string? Error,
    IReadOnlyList<ContainerLive> Containers,
    bool Snapshot);

/// <summary>One closed minute (or rolled-up step) of a container's history (<c>MinuteAggregate</c>); network bytes are null where not measured.</summary>
public sealed record MinuteAggregate(
    DateTimeOffset Minute,
    int SampleCount,
    double CpuPercentAvg,
    double CpuPercentMax,
    long MemoryUsedBytesAvg,
    long MemoryUsedBytesMax,
    long MemoryLimitBytes,
    long? NetRxBytes,
    long? NetTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes,
    long PidsMax);

/// <summary>The answer of <c>GET /api/containers/{id}/history</c>.</summary>
public sealed record ContainerHistory(string ContainerId, DateTimeOffset From, DateTimeOffset To, string Step, IReadOnlyList<MinuteAggregate> Points);

/// <summary>One lifecycle event of a container as Docker reported it (<c>ContainerEvent</c>).</summary>
/// <param name="Action"><c>create</c>, <c>start</c>, <c>restart</c>, <c>die</c>, <c>kill</c>, <c>oom</c>, <c>pause</c>, <c>unpause</c>, <c>rename</c>, <c>health_status</c> or <c>destroy</c>.</param>
/// <param name="TimeNano">Docker's <c>timeNano</c> (Unix nanoseconds); <paramref name="Time"/> is the same moment to the tick.</param>
/// <param name="Name">The container's name at the event (the new one for <c>rename</c>).</param>
/// <param name="ExitCode">The <c>die</c> event's exit code.</param>
/// <param name="Signal">The <c>kill</c> event's signal as Docker reports it, a number (<c>9</c>, <c>15</c>).</param>
/// <param name="Health">The <c>health_status</c> event's status: <c>healthy</c>, <c>unhealthy</c> or <c>starting</c>.</param>
public sealed record ContainerEvent(
    string ContainerId,
    string HostId,
    string Action,
    long TimeNano,
    DateTimeOffset Time,
    string? Name,
    string? Image,
    int? ExitCode,
    string? Signal,
    string? Health);

/// <summary>The answer of <c>GET /api/containers/{id}/events</c>: the events in [from, to) (a null bound is open), newest first.</summary>
public sealed record ContainerEventList(string ContainerId, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<ContainerEvent> Events);

/// <summary>An alert as <c>GET /api/alerts</c> lists it.</summary>
public sealed record Alert(
    string Id,
    string Rule,
    string Severity,
    string? Summary,
    IReadOnlyDictionary<string, string> Labels,
    double? Value,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string State);

/// <summary>An RFC 7807 problem as the Api writes it.</summary>
public sealed record ApiProblem(string? Title, string? Detail, int? Status);
