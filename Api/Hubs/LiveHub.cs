using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Api.Hubs;

/// <summary>
/// <c>/hubs/live</c>: server-to-client streams. Each stream starts with a snapshot (marked <c>snapshot: true</c>) and then yields one frame per second;
/// a slow connection only skips intermediate frames because each stream reads from its own coalescing mailbox.
/// </summary>
public sealed class LiveHub(LiveStreams streams, AlertFeed alerts) : Hub
{
    /// <summary>Every host's frame, once per second per host.</summary>
    public IAsyncEnumerable<HostFrame> WatchAll(CancellationToken cancellationToken) =>
        streams.WatchAllAsync(cancellationToken);

    /// <summary>One host's frames; the host id as <c>GET /api/hosts/{hostId}</c> takes it.</summary>
    /// <remarks>A malformed or unknown id ends the stream with a <see cref="HubException"/> naming it, as REST answers 400 or 404.</remarks>
    public IAsyncEnumerable<HostFrame> WatchHost(string hostId, CancellationToken cancellationToken) =>
        streams.WatchHostAsync(hostId, cancellationToken);

    /// <summary>One container: its window first, then one point per second; the full id or a unique prefix of at least 12 characters, as REST takes it.</summary>
    /// <remarks>A malformed, unknown or ambiguous id ends the stream with a <see cref="HubException"/> naming it, as REST answers 400 or 404.</remarks>
    public IAsyncEnumerable<ContainerFrame> WatchContainer(string containerId, CancellationToken cancellationToken) =>
        streams.WatchContainerAsync(containerId, cancellationToken);

    /// <summary>The alerts firing now (each once), then every change as it happens: an alert opened (<c>state: firing</c>) or resolved (<c>endsAt</c> set).</summary>
    public IAsyncEnumerable<Contracts.Rules.Alert> WatchAlerts(CancellationToken cancellationToken) =>
        alerts.WatchAsync(cancellationToken);
}

/// <summary>
/// Turns the live feed into per-subscriber streams; owns the filtering, and resolves ids as REST does
/// (<see cref="HostDirectory"/>), so the hub stays thin.
/// </summary>
public sealed class LiveStreams
{
    private const int WindowSeconds = 600;
    private readonly ILiveFeed _feed;
    private readonly HostDirectory _directory;

    internal LiveStreams(ILiveFeed feed, HostDirectory directory)
    {
        _feed = feed;
        _directory = directory;
    }

    public IAsyncEnumerable<HostFrame> WatchAllAsync(CancellationToken cancellationToken) =>
        MarkSnapshots(_feed.SubscribeAsync(cancellationToken), cancellationToken);

    /// <exception cref="HubException">The id is malformed or no host has it (the client's stream fails with this message).</exception>
    public async IAsyncEnumerable<HostFrame> WatchHostAsync(string hostId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (hostId is null || !QueryParsing.IsHostId(hostId))
        {
            throw new HubException($"hostId '{hostId}' is not a Docker daemon ID (letters, digits, ':', '.', '_', '-').");
        }

        if (await _directory.GetHostAsync(hostId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new HubException(Problems.NotFoundDetail("host", hostId));
        }

        await foreach (var frame in MarkSnapshots(_feed.SubscribeAsync(cancellationToken), cancellationToken).ConfigureAwait(false))
        {
            if (frame.HostId == hostId)
            {
                yield return frame;
            }
        }
    }

    /// <summary>The first frame of each host in a stream is its snapshot; clients tell it from updates by <see cref="HostFrame.Snapshot"/>.</summary>
    private static async IAsyncEnumerable<HostFrame> MarkSnapshots(
        IAsyncEnumerable<HostFrame> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var frame in frames.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return seen.Add(frame.HostId) ? frame with { Snapshot = true } : frame;
        }
    }

    /// <exception cref="HubException">The id is malformed, no container has it, or the prefix is ambiguous (the client's stream fails with this message).</exception>
    public async IAsyncEnumerable<ContainerFrame> WatchContainerAsync(string containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (containerId is null || !QueryParsing.IsContainerId(containerId))
        {
            throw new HubException($"containerId '{containerId}' is not a container id: {QueryParsing.MinimumIdPrefix} to 64 lowercase hex characters.");
        }

        var found = await _directory.FindContainerAsync(containerId, cancellationToken).ConfigureAwait(false);
        if (found.Ambiguous)
        {
            throw new HubException(Problems.AmbiguousDetail(containerId));
        }

        var container = found.Container ?? throw new HubException(Problems.NotFoundDetail("container", containerId));
        var id = container.Container.Id;
        if (!_feed.Latest.Any(f => f.Containers.Any(c => c.Container.Id == id)))
        {
            // Removed (known from the store only): what is known of it, and frames again should it come back.
            yield return new ContainerFrame(container.Container, null, null, [], Snapshot: true);
        }

        var sentWindow = false;
        DateTimeOffset? lastPoint = null;
        await foreach (var frame in _feed.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var live = frame.Containers.FirstOrDefault(c => c.Container.Id == id);
            if (live is null)
            {
                continue;
            }

            if (!sentWindow)
            {
                var window = await _feed.GetWindowAsync(id, WindowSeconds, cancellationToken).ConfigureAwait(false) ?? [];
                sentWindow = true;
                lastPoint = window.Count > 0 ? window[^1].Timestamp : null;
                yield return new ContainerFrame(live.Container, live.Sample, null, window, Snapshot: true);
                continue;
            }

            // Frames repeat a sample until the container's next one; send each point once.
            var point = live.Sample is { } sample && sample.Timestamp != lastPoint ? sample.ToPoint() : (Contracts.Metrics.SamplePoint?)null;
            if (point is { } p)
            {
                lastPoint = p.Timestamp;
            }

            yield return new ContainerFrame(live.Container, live.Sample, point, null);
        }
    }
}
