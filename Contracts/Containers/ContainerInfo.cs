namespace Orleans.Monitor.Contracts.Containers;

/// <summary>Metadata and lifecycle of one container, as the Docker API reports it.</summary>
public sealed record ContainerInfo(
    string Id,
    string HostId,
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    string? ComposeProject,
    string? ComposeService,
    string State,
    string? Health,
    DateTimeOffset Created,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    bool OomKilled,
    bool Removed);
