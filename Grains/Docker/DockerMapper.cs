using System.Globalization;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Grains.Docker.Json;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>Maps Engine API shapes to our contracts.</summary>
internal static class DockerMapper
{
    public const string ComposeProjectLabel = "com.docker.compose.project";
    public const string ComposeServiceLabel = "com.docker.compose.service";

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public static HostInfo ToHostInfo(InfoJson info, DockerApiVersion apiVersion, string statsSource) => new(
        HostId: info.Id ?? string.Empty,
        Name: info.Name ?? string.Empty,
        Cpus: info.Ncpu,
        MemoryTotalBytes: info.MemTotal,
        OperatingSystem: info.OperatingSystem ?? string.Empty,
        KernelVersion: info.KernelVersion ?? string.Empty,
        DockerVersion: info.ServerVersion ?? string.Empty,
        ApiVersion: apiVersion.ToString(),
        // Engines before 20.10 have no CgroupVersion and run only on v1.
        CgroupVersion: string.IsNullOrEmpty(info.CgroupVersion) ? "1" : info.CgroupVersion,
        CgroupDriver: info.CgroupDriver ?? string.Empty,
        StatsSource: statsSource);

    public static ContainerInfo ToContainerInfo(ContainerSummaryJson summary, string hostId)
    {
        var labels = summary.Labels ?? NoLabels;
        return new ContainerInfo(
            Id: summary.Id,
            HostId: hostId,
            Name: PrimaryName(summary.Names),
            Image: summary.Image ?? string.Empty,
            Labels: labels,
            ComposeProject: labels.GetValueOrDefault(ComposeProjectLabel),
            ComposeService: labels.GetValueOrDefault(ComposeServiceLabel),
            State: summary.State ?? string.Empty,
            Health: HealthFromStatus(summary.Status),
            Created: DateTimeOffset.FromUnixTimeSeconds(summary.Created),
            StartedAt: null,
            FinishedAt: null,
            ExitCode: ExitCodeFromStatus(summary.Status),
            OomKilled: false,
            Removed: false);
    }

    public static DockerContainerDetails ToDetails(ContainerInspectJson inspect, string hostId)
    {
        var labels = inspect.Config?.Labels ?? NoLabels;
        var state = inspect.State;
        var finishedAt = NullIfZero(state?.FinishedAt);
        var info = new ContainerInfo(
            Id: inspect.Id,
            HostId: hostId,
            Name: StripSlash(inspect.Name),
            Image: inspect.Config?.Image ?? string.Empty,
            Labels: labels,
            ComposeProject: labels.GetValueOrDefault(ComposeProjectLabel),
            ComposeService: labels.GetValueOrDefault(ComposeServiceLabel),
            State: state?.Status ?? string.Empty,
            Health: state?.Health?.Status is { Length: > 0 } health ? health : null,
            Created: inspect.Created,
            StartedAt: NullIfZero(state?.StartedAt),
            FinishedAt: finishedAt,
            // A never-stopped container reports ExitCode 0; only a finished one has a meaningful code.
            ExitCode: finishedAt is null || state?.Running == true ? null : state?.ExitCode,
            OomKilled: state?.OomKilled ?? false,
            Removed: false);
        var host = inspect.HostConfig;
        return new DockerContainerDetails(
            info,
            Pid: state?.Pid ?? 0,
            NanoCpus: host?.NanoCpus ?? 0,
            CpuQuota: host?.CpuQuota ?? 0,
            CpuPeriod: host?.CpuPeriod ?? 0,
            MemoryLimitBytes: host?.Memory ?? 0,
            RestartCount: inspect.RestartCount);
    }

    public static DockerEvent? ToEvent(EventJson message)
    {
        if (message.Type is null || message.Action is null || message.Actor?.Id is null)
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
        var timeNano = message.TimeNano != 0 ? message.TimeNano : message.Time * 1_000_000_000;
        return new DockerEvent(message.Type, action, detail, message.Actor.Id, message.Actor.Attributes ?? NoLabels, message.Scope, timeNano);
    }

    /// <summary>Go's zero time (<c>0001-01-01T00:00:00Z</c>) means "never".</summary>
    public static DateTimeOffset? NullIfZero(DateTimeOffset? value) => value is { Year: > 1 } ? value : null;

    private static string PrimaryName(IReadOnlyList<string>? names)
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
