using Orleans.Monitor.Cli.Api;

namespace Orleans.Monitor.Cli.Live;

/// <summary>One item of the live feed: a host's frame, or a change of the connection (lost, back).</summary>
/// <param name="Frame">A host's full live state; null for a connection change.</param>
/// <param name="Problem">Why the live stream is not flowing (shown until the next frame); null when it flows again.</param>
public sealed record LiveUpdate(HostFrame? Frame, string? Problem)
{
    public static LiveUpdate Of(HostFrame frame) => new(frame, null);

    public static LiveUpdate Lost(string problem) => new(null, problem);
}
