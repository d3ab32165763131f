using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// Answers "which hosts and containers exist and how are they now" from the live feed, falling back to the store
/// for hosts that are gone and containers that were removed.
/// </summary>
internal sealed partial class HostDirectory(ILiveFeed feed, IMonitorStore store, ClusterConnection connection, ILogger<HostDirectory> logger)
{
    public async Task<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken)
    {
        var live = feed.Latest.ToDictionary(f => f.HostId, StringComparer.Ordinal);
        IReadOnlyList<StoredHost> stored;
        try
        {
            stored = await store.GetHostsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException ex)
        {
            // The live hosts do not depend on the database: during an outage the list shows them without the gone ones.
            LogStoreUnavailable(ex.Message);
            stored = [];
        }

        var result = live.Values.Select(Summarize).ToList();
        result.AddRange(stored.Where(s => !live.ContainsKey(s.Info.HostId)).Select(Summarize));
        return [.. result.OrderBy(h => h.Host?.Name ?? h.HostId, StringComparer.Ordinal).ThenBy(h => h.HostId, StringComparer.Ordinal)];
    }

    public async Task<HostSummary?> GetHostAsync(string hostId, CancellationToken cancellationToken)
    {
        var frame = feed.Latest.FirstOrDefault(f => f.HostId == hostId);
        if (frame is not null)
        {
            return Summarize(frame);
        }

        var stored = await store.GetHostAsync(hostId, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : Summarize(stored);
    }

    public async Task<IReadOnlyList<ContainerLive>> ListContainersAsync(string? hostId, string? state, string? name, CancellationToken cancellationToken)
    {
        if (state == ContainerState.Removed)
        {
            var removed = await store.GetContainersAsync(new ContainerQuery(hostId, ContainerState.Removed, name), cancellationToken).ConfigureAwait(false);
            return [.. removed.Select(c => new ContainerLive(c, null))];
        }

        return [.. feed.Latest
            .Where(f => hostId is null || f.HostId == hostId)
            .SelectMany(f => f.Containers)
            .Where(c => state is null || c.Container.State == state)
            .Where(c => name is null || c.Container.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Container.Name, StringComparer.Ordinal)];
    }

    /// <summary>Resolves a full id or a unique prefix among live containers, then among stored ones.</summary>
    public async Task<ContainerResolution> FindContainerAsync(string idOrPrefix, CancellationToken cancellationToken)
    {
        var matches = feed.Latest
            .SelectMany(f => f.Containers)
            .Where(c => c.Container.Id.StartsWith(idOrPrefix, StringComparison.Ordinal))
            .ToList();
        var exact = matches.FirstOrDefault(c => c.Container.Id == idOrPrefix);
        if (exact is not null || matches.Count == 1)
        {
            return new ContainerResolution(exact ?? matches[0], Ambiguous: false);
        }

        if (matches.Count > 1)
        {
            return new ContainerResolution(null, Ambiguous: true);
        }

        var stored = await store.FindContainerAsync(idOrPrefix, cancellationToken).ConfigureAwait(false);
        return stored.Container is null
            ? new ContainerResolution(null, stored.Ambiguous)
            : new ContainerResolution(new ContainerLive(stored.Container, null), Ambiguous: false);
    }

    private static HostSummary Summarize(HostFrame frame)
    {
        // The host grain sums its containers (paused ones included, shared network namespaces once).
        var totals = frame.Totals ?? HostTotals.Zero;
        return new HostSummary(
            frame.Host,
            frame.HostId,
            frame.Status,
            frame.LastSeen,
            frame.Error,
            frame.Containers.Count(c => c.Container.State == ContainerState.Running),
            frame.Containers.Length,
            totals.CpuPercent,
            totals.MemoryUsedBytes,
            totals.NetRxBytesPerSecond,
            totals.NetTxBytesPerSecond,
            totals.BlockReadBytesPerSecond,
            totals.BlockWriteBytesPerSecond,
            totals.Pids);
    }

    /// <summary>A stored host without a live frame: down, unless this Api cannot reach the cluster to know.</summary>
    private HostSummary Summarize(StoredHost stored) => connection.Grains is null
        ? new(stored.Info, stored.Info.HostId, HostStatus.Unreachable, stored.LastSeen, $"the Api does not reach the cluster: {connection.Error}", 0, 0, 0, 0)
        : new(stored.Info, stored.Info.HostId, HostStatus.Down, stored.LastSeen, null, 0, 0, 0, 0);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store is unavailable; listing live hosts only: {Reason}")]
    private partial void LogStoreUnavailable(string reason);
}

/// <summary>A resolved container (live or stored), or why none.</summary>
internal sealed record ContainerResolution(ContainerLive? Container, bool Ambiguous);
