using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Api.Live;

/// <summary>The live state of every host this Api sees, for REST and the hub.</summary>
public interface ILiveFeed
{
    /// <summary>The newest frame of every known host.</summary>
    IReadOnlyCollection<HostFrame> Latest { get; }

    /// <summary>
    /// Streams frames: first the newest frame of every host (the snapshot), then each new frame. A slow reader
    /// loses intermediate frames of a host, never the newest one.
    /// </summary>
    IAsyncEnumerable<HostFrame> SubscribeAsync(CancellationToken cancellationToken);

    /// <summary>The rolling window of a live container, oldest first; null when no live container has that id or its host does not answer.</summary>
    Task<IReadOnlyList<SamplePoint>?> GetWindowAsync(string containerId, int seconds, CancellationToken cancellationToken);
}
