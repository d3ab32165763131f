namespace Orleans.Monitor.Contracts.Containers;

/// <summary>Metadata and lifecycle of one container, as the Docker API reports it (list and inspect).</summary>
/// <param name="Id">The full 64-hex container id.</param>
/// <param name="HostId">The daemon ID of the host that runs it.</param>
/// <param name="Name">The name without Docker's leading '/'.</param>
/// <param name="State">One of <see cref="ContainerState"/>.</param>
/// <param name="Health">Health check status (<c>healthy</c>, <c>unhealthy</c>, <c>starting</c>) or null without a check.</param>
/// <param name="ExitCode">Exit code of the last run; null while it never ran.</param>
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
    [property: Id(14)] bool Removed);
