using System.Globalization;

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

    /// <summary>Unix nanoseconds as dockerd's <c>since</c>/<c>until</c> format: <c>seconds.nanoseconds</c>.</summary>
    public static string FormatSince(long unixNanoseconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{unixNanoseconds / 1_000_000_000}.{unixNanoseconds % 1_000_000_000:D9}");
}
