using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Api.Hubs;

/// <summary>
/// <c>/hubs/live</c>: server-to-client streams. Each stream starts with a snapshot and then yields one frame per second;
/// a slow connection only skips intermediate frames because each stream reads from its own coalescing mailbox.
/// </summary>
public sealed class LiveHub(LiveStreams streams) : Hub
{
    /// <summary>Every host's frame, once per second per host.</summary>
    public IAsyncEnumerable<HostFrame> WatchAll(CancellationToken cancellationToken) =>
        streams.WatchAllAsync(cancellationToken);

    /// <summary>One host's frames.</summary>
    public IAsyncEnumerable<HostFrame> WatchHost(string hostId, CancellationToken cancellationToken) =>
        streams.WatchHostAsync(hostId, cancellationToken);

    /// <summary>One container: its window first, then one point per second.</summary>
    public IAsyncEnumerable<ContainerFrame> WatchContainer(string containerId, CancellationToken cancellationToken) =>
        streams.WatchContainerAsync(containerId, cancellationToken);
}

/// <summary>Turns the live feed into per-subscriber streams; owns the filtering so the hub stays thin.</summary>
public sealed class LiveStreams(ILiveFeed feed)
{
    private const int WindowSeconds = 600;

    public IAsyncEnumerable<HostFrame> WatchAllAsync(CancellationToken cancellationToken) =>
        feed.SubscribeAsync(cancellationToken);

    public async IAsyncEnumerable<HostFrame> WatchHostAsync(string hostId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostId);
        await foreach (var frame in feed.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            if (frame.HostId == hostId)
            {
                yield return frame;
            }
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
                yield return new ContainerFrame(live.Container, live.Sample, null, window);
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
