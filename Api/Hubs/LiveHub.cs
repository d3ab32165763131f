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
public sealed class LiveHub(LiveStreams streams) : Hub
{
    /// <summary>Every host's frame, once per second per host.</summary>
    public IAsyncEnumerable<HostFrame> WatchAll(CancellationToken cancellationToken) =>
        streams.WatchAllAsync(cancellationToken);

    /// <summary>One host's frames.</summary>
    /// <exception cref="HubException">The id is malformed (the client's stream fails with this message, like a REST 400).</exception>
    public IAsyncEnumerable<HostFrame> WatchHost(string hostId, CancellationToken cancellationToken) =>
        hostId is not null && QueryParsing.IsHostId(hostId)
            ? streams.WatchHostAsync(hostId, cancellationToken)
            : throw new HubException("hostId must be a Docker daemon ID (letters, digits, ':', '.', '_', '-').");

    /// <summary>One container: its window first, then one point per second.</summary>
    /// <exception cref="HubException">The id is malformed (the client's stream fails with this message, like a REST 400).</exception>
    public IAsyncEnumerable<ContainerFrame> WatchContainer(string containerId, CancellationToken cancellationToken) =>
        containerId is not null && QueryParsing.IsContainerId(containerId)
            ? streams.WatchContainerAsync(containerId, cancellationToken)
            : throw new HubException($"containerId must be a container id: {QueryParsing.MinimumIdPrefix} to 64 lowercase hex characters.");
}

/// <summary>Turns the live feed into per-subscriber streams; owns the filtering so the hub stays thin.</summary>
public sealed class LiveStreams(ILiveFeed feed)
{
    private const int WindowSeconds = 600;

    public IAsyncEnumerable<HostFrame> WatchAllAsync(CancellationToken cancellationToken) =>
        MarkSnapshots(feed.SubscribeAsync(cancellationToken), cancellationToken);

    public async IAsyncEnumerable<HostFrame> WatchHostAsync(string hostId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostId);
        await foreach (var frame in MarkSnapshots(feed.SubscribeAsync(cancellationToken), cancellationToken).ConfigureAwait(false))
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

    public async IAsyncEnumerable<ContainerFrame> WatchContainerAsync(string containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        var sentWindow = false;
        DateTimeOffset? lastPoint = null;
        await foreach (var frame in feed.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var live = frame.Containers.FirstOrDefault(c => c.Container.Id == containerId);
            if (live is null)
            {
                continue;
            }

            if (!sentWindow)
            {
                var window = await feed.GetWindowAsync(containerId, WindowSeconds, cancellationToken).ConfigureAwait(false) ?? [];
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
