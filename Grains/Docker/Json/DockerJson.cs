using System.Text.Json.Serialization;

namespace Orleans.Monitor.Grains.Docker.Json;

// Wire shapes of the Engine API, kept to the fields we read; unknown fields are skipped by the serializer.

/// <summary><c>GET /info</c>.</summary>
internal sealed record InfoJson(
    [property: JsonPropertyName("ID")] string? Id,
    string? Name,
    [property: JsonPropertyName("NCPU")] int Ncpu,
    long MemTotal,
    string? OperatingSystem,
    [property: JsonPropertyName("OSType")] string? OsType,
    string? KernelVersion,
    string? ServerVersion,
    string? CgroupVersion,
    string? CgroupDriver,
    int ContainersRunning);

/// <summary>One element of <c>GET /containers/json</c>.</summary>
internal sealed record ContainerSummaryJson(
    string Id,
    IReadOnlyList<string>? Names,
    string? Image,
    long Created,
    string? State,
    string? Status,
    IReadOnlyDictionary<string, string>? Labels);

/// <summary><c>GET /containers/{id}/json</c>.</summary>
internal sealed record ContainerInspectJson(
    string Id,
    string? Name,
    DateTimeOffset Created,
    ContainerStateJson? State,
    ContainerConfigJson? Config,
    HostConfigJson? HostConfig,
    int RestartCount);

internal sealed record ContainerStateJson(
    string? Status,
    bool Running,
    bool Paused,
    bool Restarting,
    [property: JsonPropertyName("OOMKilled")] bool OomKilled,
    bool Dead,
    int Pid,
    int ExitCode,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    HealthJson? Health);

internal sealed record HealthJson(string? Status, int FailingStreak);

internal sealed record ContainerConfigJson(string? Image, IReadOnlyDictionary<string, string>? Labels);

internal sealed record HostConfigJson(long NanoCpus, long Memory, long CpuQuota, long CpuPeriod, long? PidsLimit);

/// <summary>One message of <c>GET /events</c>: mixed casing on the wire.</summary>
internal sealed record EventJson(
    string? Type,
    string? Action,
    EventActorJson? Actor,
    [property: JsonPropertyName("scope")] string? Scope,
    [property: JsonPropertyName("time")] long Time,
    [property: JsonPropertyName("timeNano")] long TimeNano);

internal sealed record EventActorJson(
    [property: JsonPropertyName("ID")] string? Id,
    IReadOnlyDictionary<string, string>? Attributes);

/// <summary><c>{"message": "..."}</c> error bodies.</summary>
internal sealed record ErrorJson([property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(InfoJson))]
[JsonSerializable(typeof(List<ContainerSummaryJson>))]
[JsonSerializable(typeof(ContainerInspectJson))]
[JsonSerializable(typeof(EventJson))]
[JsonSerializable(typeof(ErrorJson))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
