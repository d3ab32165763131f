using System.Text.Json;

namespace Orleans.Monitor.Cli.Api;

// The JSON the Api writes (docs/live-api.md), read into records of our own so the CLI needs no Orleans assembly.
// Only the members the CLI shows are declared; the rest of each object is ignored.

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
public sealed record ContainerInfo(
    string Id,
    string HostId,
    string Name,
    string Image,
    string State,
    string? Health,
    DateTimeOffset Created,
    DateTimeOffset? StartedAt,
    int? ExitCode);

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

/// <summary>One lifecycle event of a container (<c>GET /api/containers/{id}/events</c>), newest first.</summary>
/// <param name="Signal">The signal of a <c>kill</c>, as Docker reports it.</param>
/// <param name="Health">The health status of a <c>health_status</c> event.</param>
public sealed record ContainerEvent(DateTimeOffset Time, string Action, int? ExitCode, string? Signal, string? Health)
{
    /// <summary>
    /// Reads the events answer: a JSON array of events, or an object holding them in <c>events</c>. The time is
    /// <c>time</c>, else derived from <c>timeNano</c>; the health status is <c>health</c> or <c>healthStatus</c>.
    /// </summary>
    /// <exception cref="JsonException">The document is neither shape.</exception>
    public static IReadOnlyList<ContainerEvent> ReadList(JsonElement root)
    {
        var items = root.ValueKind switch
        {
            JsonValueKind.Array => root,
            JsonValueKind.Object when root.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array => events,
            _ => throw new JsonException("expected an array of events or an object with 'events'"),
        };
        return [.. items.EnumerateArray().Select(Read)];
    }

    private static ContainerEvent Read(JsonElement item)
    {
        var time = item.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetDateTimeOffset()
            : item.TryGetProperty("timeNano", out var nano) && nano.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.UnixEpoch.AddTicks(nano.GetInt64() / TimeSpan.NanosecondsPerTick)
                : throw new JsonException("an event without 'time' or 'timeNano'");
        return new ContainerEvent(
            time,
            String(item, "action") ?? throw new JsonException("an event without 'action'"),
            item.TryGetProperty("exitCode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : null,
            String(item, "signal"),
            String(item, "health") ?? String(item, "healthStatus"));
    }

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>An RFC 7807 problem as the Api writes it.</summary>
public sealed record ApiProblem(string? Title, string? Detail, int? Status);
