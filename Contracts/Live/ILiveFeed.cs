using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Live;

/// <summary>
/// The live state of one or more hosts: in a silo it is fed by the host grains; in a cluster Api it is the merge
/// of every silo's stream.
/// </summary>
public interface ILiveFeed
{
    /// <summary>The newest frame of every known host.</summary>
    IReadOnlyCollection<HostFrame> Latest { get; }

    /// <summary>
    /// Streams frames: first the newest frame of every host (the snapshot), then each new frame. A slow reader
    /// loses intermediate frames of a host, never the newest one.
    /// </summary>
    IAsyncEnumerable<HostFrame> SubscribeAsync(CancellationToken cancellationToken);

    /// <summary>The rolling window of a container, oldest first; null when no live container has that id.</summary>
    Task<IReadOnlyList<SamplePoint>?> GetWindowAsync(string containerId, int seconds, CancellationToken cancellationToken);
}
