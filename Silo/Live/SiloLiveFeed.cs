using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Live;
using Orleans.Monitor.Grains.Runtime;

namespace Orleans.Monitor.Silo.Live;

/// <summary>This silo's live state: frames from its host grains, windows from its container grains.</summary>
public sealed class SiloLiveFeed(HostFrameBroadcaster broadcaster, LiveBoard board, IGrainFactory grains) : ILiveFeed
{
    public IReadOnlyCollection<HostFrame> Latest => broadcaster.Latest;

    public IAsyncEnumerable<HostFrame> SubscribeAsync(CancellationToken cancellationToken) => broadcaster.SubscribeAsync(cancellationToken);

    public async Task<IReadOnlyList<SamplePoint>?> GetWindowAsync(string containerId, int seconds, CancellationToken cancellationToken)
    {
        if (!board.TryGet(containerId, out _, out _))
        {
            return null;
        }

        return await grains.GetGrain<IContainerGrain>(containerId).GetWindowAsync(seconds).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
