using System.Globalization;
using Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// One container event from <c>GET /events</c>. <see cref="Action"/> is the part before <c>": "</c>
/// (<c>health_status</c>, <c>exec_start</c>); <see cref="ActionDetail"/> the rest (<c>healthy</c>, the command).
/// </summary>
public sealed record DockerEvent(
    string Type,
    string Action,
    string? ActionDetail,
    string ActorId,
    IReadOnlyDictionary<string, string> Attributes,
    string? Scope,
    long TimeNano)
{
    public DateTimeOffset Time => DateTimeOffset.UnixEpoch.AddTicks(TimeNano / TimeSpan.NanosecondsPerTick);

    /// <summary>The <c>since</c> value that replays this event and everything after it.</summary>
    public string Cursor => FormatSince(TimeNano);

    /// <summary>The event as it is kept with the container: its action, time and the facts its attributes carry.</summary>
    /// <param name="hostId">The daemon ID of the host that sent it.</param>
    public ContainerEvent ToContainerEvent(string hostId) => new(
        ActorId,
        hostId,
        Action,
        TimeNano,
        Attributes.GetValueOrDefault("name"),
        Attributes.GetValueOrDefault("image"),
        Action == ContainerEventActions.Die && Attributes.TryGetValue("exitCode", out var code)
            && int.TryParse(code, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exitCode) ? exitCode : null,
        Action == ContainerEventActions.Kill ? Attributes.GetValueOrDefault("signal") : null,
        Action == ContainerEventActions.HealthStatus ? ActionDetail?.Trim() : null,
        Attributes);

    /// <summary>Unix nanoseconds as dockerd's <c>since</c>/<c>until</c> format: <c>seconds.nanoseconds</c>.</summary>
    public static string FormatSince(long unixNanoseconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{unixNanoseconds / 1_000_000_000}.{unixNanoseconds % 1_000_000_000:D9}");
}
