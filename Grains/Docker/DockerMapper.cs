using System.Globalization;
using Docker.DotNet.Models;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// Maps Docker.DotNet's Engine API models to our contracts. The models are generated from the newest API and
/// declare many fields non-null that older daemons (API 1.41) leave out, so every field is read as optional.
/// </summary>
internal static class DockerMapper
{
    public const string ComposeProjectLabel = "com.docker.compose.project";
    public const string ComposeServiceLabel = "com.docker.compose.service";

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>Host facts from <c>GET /info</c>; <paramref name="apiVersion"/> is <c>GET /version</c>'s <c>ApiVersion</c>.</summary>
    public static HostInfo ToHostInfo(SystemInfoResponse info, string apiVersion, string statsSource) => new(
        HostId: info.ID ?? string.Empty,
        Name: info.Name ?? string.Empty,
        Cpus: (int)info.NCPU,
        MemoryTotalBytes: info.MemTotal,
        OperatingSystem: info.OperatingSystem ?? string.Empty,
        KernelVersion: info.KernelVersion ?? string.Empty,
        DockerVersion: info.ServerVersion ?? string.Empty,
        ApiVersion: apiVersion,
        // Engines before 20.10 have no CgroupVersion and run only on v1.
        CgroupVersion: string.IsNullOrEmpty(info.CgroupVersion) ? "1" : info.CgroupVersion,
        CgroupDriver: info.CgroupDriver ?? string.Empty,
        StatsSource: statsSource,
        SwarmNodeId: info.Swarm?.NodeID is { Length: > 0 } nodeId ? nodeId : null,
        // A node that left or is still joining may keep a stale ControlAvailable; only an active one can update services.
        SwarmManager: info.Swarm is { ControlAvailable: true, LocalNodeState: "active" },
        SwarmControlAvailable: info.Swarm?.ControlAvailable ?? false,
        SwarmClusterId: info.Swarm?.Cluster?.ID is { Length: > 0 } clusterId ? clusterId : null);

    /// <summary>One element of <c>GET /containers/json</c>: no start/finish times; exit code and health from <c>Status</c>.</summary>
    public static ContainerInfo ToContainerInfo(ContainerListResponse summary, string hostId)
    {
        var labels = Labels(summary.Labels);
        return new ContainerInfo(
            Id: summary.ID,
            HostId: hostId,
            Name: PrimaryName(summary.Names),
            Image: summary.Image ?? string.Empty,
            Labels: labels,
            ComposeProject: labels.GetValueOrDefault(ComposeProjectLabel),
            ComposeService: labels.GetValueOrDefault(ComposeServiceLabel),
            State: summary.State ?? string.Empty,
            Health: HealthFromStatus(summary.Status),
            Created: ToOffset(summary.Created),
            StartedAt: null,
            FinishedAt: null,
            ExitCode: ExitCodeFromStatus(summary.Status),
            OomKilled: false,
            Removed: false);
    }

    /// <summary><c>GET /containers/{id}/json</c>: metadata, lifecycle times, and the limits from <c>HostConfig</c>.</summary>
    public static DockerContainerDetails ToDetails(ContainerInspectResponse inspect, string hostId)
    {
        var labels = Labels(inspect.Config?.Labels);
        var state = inspect.State;
        var finishedAt = ParseTime(state?.FinishedAt);
        // A never-stopped container reports ExitCode 0; only a finished one has a meaningful code. Docker keeps Running
        // true while a container waits to be restarted: that one has exited, with a code.
        var exited = finishedAt is not null && (state?.Running != true || state?.Restarting == true);
        int? exitCode = exited ? (int?)state?.ExitCode : null;
        var info = new ContainerInfo(
            Id: inspect.ID,
            HostId: hostId,
            Name: StripSlash(inspect.Name),
            Image: inspect.Config?.Image ?? string.Empty,
            Labels: labels,
            ComposeProject: labels.GetValueOrDefault(ComposeProjectLabel),
            ComposeService: labels.GetValueOrDefault(ComposeServiceLabel),
            State: state?.Status ?? string.Empty,
            Health: state?.Health?.Status is { Length: > 0 } health ? health : null,
            Created: ToOffset(inspect.Created),
            StartedAt: ParseTime(state?.StartedAt),
            FinishedAt: finishedAt,
            ExitCode: exitCode,
            OomKilled: state?.OOMKilled ?? false,
            Removed: false,
            RestartCount: (int)inspect.RestartCount,
            // While a restarted container runs again Docker reports ExitCode 0: the die event's code is the one to keep.
            LastExitCode: exitCode);
        var host = inspect.HostConfig;
        info = info with
        {
            Limits = ContainerLimits.FromInspect(host?.NanoCPUs ?? 0, host?.CPUQuota ?? 0, host?.CPUPeriod ?? 0, host?.Memory ?? 0, host?.CpusetCpus),
        };
        return new DockerContainerDetails(
            info,
            Pid: (int)(state?.Pid ?? 0),
            NanoCpus: host?.NanoCPUs ?? 0,
            CpuQuota: host?.CPUQuota ?? 0,
            CpuPeriod: host?.CPUPeriod ?? 0,
            MemoryLimitBytes: host?.Memory ?? 0,
            RestartCount: (int)inspect.RestartCount,
            NetworkMode: host?.NetworkMode ?? string.Empty);
    }

    /// <summary>One message of <c>GET /events</c>, or null when it names no type, action or actor.</summary>
    public static DockerEvent? ToEvent(Message message)
    {
        if (string.IsNullOrEmpty(message.Type) || string.IsNullOrEmpty(message.Action) || message.Actor?.ID is not { Length: > 0 } actorId)
        {
            return null;
        }

        var action = message.Action;
        string? detail = null;
        var separator = action.IndexOf(": ", StringComparison.Ordinal);
        if (separator >= 0)
        {
            detail = action[(separator + 2)..];
            action = action[..separator];
        }

        // Old engines send only time; keep a nanosecond value either way so cursors work.
        var timeNano = message.TimeNano is { } nano and not 0 ? nano : (message.Time ?? 0) * 1_000_000_000;
        return new DockerEvent(message.Type, action, detail, actorId, Labels(message.Actor.Attributes), message.Scope, timeNano);
    }

    /// <summary>
    /// An RFC 3339 time as dockerd writes it (nanosecond fractions, <c>Z</c>), or null for an empty value and for
    /// Go's zero time (<c>0001-01-01T00:00:00Z</c>), which means "never".
    /// </summary>
    public static DateTimeOffset? ParseTime(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        // Ticks are 100 ns: cut the nanoseconds to 7 digits (DateTimeOffset.Parse would round them) so that these
        // times agree with Created and the stats read times, which System.Text.Json truncates.
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < value.Length && char.IsAsciiDigit(value[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                value = string.Concat(value.AsSpan(0, dot + 8), value.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? NullIfZero(time)
            : null;
    }

    /// <summary>Go's zero time (<c>0001-01-01T00:00:00Z</c>) means "never".</summary>
    public static DateTimeOffset? NullIfZero(DateTimeOffset? value) => value is { Year: > 1 } ? value : null;

    /// <summary>A time the library parsed (UTC on the wire) as an offset of zero; an unspecified kind is taken as UTC.</summary>
    public static DateTimeOffset ToOffset(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static IReadOnlyDictionary<string, string> Labels(IDictionary<string, string>? labels) => labels switch
    {
        null => NoLabels,
        IReadOnlyDictionary<string, string> readOnly => readOnly,
        _ => new Dictionary<string, string>(labels),
    };

    private static string PrimaryName(IList<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return string.Empty;
        }

        // Legacy links add names like /a/b; the container's own name has a single segment.
        foreach (var name in names)
        {
            if (name.LastIndexOf('/') == 0)
            {
                return name[1..];
            }
        }

        return StripSlash(names[0]);
    }

    private static string StripSlash(string? name) => name is null ? string.Empty : name.TrimStart('/');

    private static string? HealthFromStatus(string? status)
    {
        // API < 1.44 puts health only in the human-readable status: "Up 2 minutes (healthy)".
        if (status is null || !status.EndsWith(')'))
        {
            return null;
        }

        return status.EndsWith("(healthy)", StringComparison.Ordinal) ? "healthy"
            : status.EndsWith("(unhealthy)", StringComparison.Ordinal) ? "unhealthy"
            : status.EndsWith("(health: starting)", StringComparison.Ordinal) ? "starting"
            : null;
    }

    private static int? ExitCodeFromStatus(string? status)
    {
        // "Exited (137) 10 minutes ago"
        const string prefix = "Exited (";
        if (status is null || !status.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = status.IndexOf(')', prefix.Length);
        return end > prefix.Length
            && int.TryParse(status.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code)
            ? code
            : null;
    }
}
