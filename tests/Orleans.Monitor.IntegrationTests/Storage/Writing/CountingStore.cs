using System.Collections.Concurrent;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.IntegrationTests.Storage.Writing;

/// <summary>
/// A store that counts every minute row the writer got committed, per (container, minute): the table's primary key
/// makes a second write of a row invisible, this count does not.
/// </summary>
internal sealed class CountingStore(IMonitorStore inner) : IMonitorStore
{
    private readonly ConcurrentDictionary<(string ContainerId, DateTimeOffset Minute), int> _written = new();

    private readonly ConcurrentDictionary<(string ContainerId, long TimeNano, string Action), int> _events = new();

    public IReadOnlyDictionary<(string ContainerId, DateTimeOffset Minute), int> Written => _written;

    /// <summary>How many times each event was committed.</summary>
    public IReadOnlyDictionary<(string ContainerId, long TimeNano, string Action), int> EventsWritten => _events;

    public async Task WriteEventsAsync(IReadOnlyCollection<ContainerEvent> events, CancellationToken cancellationToken)
    {
        await inner.WriteEventsAsync(events, cancellationToken);
        foreach (var e in events)
        {
            _events.AddOrUpdate((e.ContainerId, e.TimeNano, e.Action), 1, (_, n) => n + 1);
        }
    }

    public Task<IReadOnlyList<ContainerEvent>> GetContainerEventsAsync(string containerId, TimeRange range, int limit, CancellationToken cancellationToken) =>
        inner.GetContainerEventsAsync(containerId, range, limit, cancellationToken);

    public async Task WriteAggregatesAsync(IReadOnlyCollection<MinuteAggregate> aggregates, CancellationToken cancellationToken)
    {
        // Counted only once committed: a write that threw stored nothing (one transaction).
        await inner.WriteAggregatesAsync(aggregates, cancellationToken);
        foreach (var aggregate in aggregates)
        {
            _written.AddOrUpdate((aggregate.ContainerId, aggregate.Minute), 1, (_, n) => n + 1);
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task UpsertHostAsync(HostInfo host, DateTimeOffset seenAt, CancellationToken cancellationToken) =>
        inner.UpsertHostAsync(host, seenAt, cancellationToken);

    public Task UpsertContainersAsync(IReadOnlyCollection<ContainerInfo> containers, CancellationToken cancellationToken) =>
        inner.UpsertContainersAsync(containers, cancellationToken);

    public Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken) => inner.GetHostsAsync(cancellationToken);

    public Task<StoredHost?> GetHostAsync(string hostId, CancellationToken cancellationToken) => inner.GetHostAsync(hostId, cancellationToken);

    public Task<IReadOnlyList<ContainerInfo>> GetContainersAsync(ContainerQuery query, CancellationToken cancellationToken) =>
        inner.GetContainersAsync(query, cancellationToken);

    public Task<ContainerLookup> FindContainerAsync(string idOrPrefix, CancellationToken cancellationToken) =>
        inner.FindContainerAsync(idOrPrefix, cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetContainerHistoryAsync(string containerId, TimeRange range, CancellationToken cancellationToken) =>
        inner.GetContainerHistoryAsync(containerId, range, cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetHostHistoryAsync(string hostId, TimeRange range, CancellationToken cancellationToken) =>
        inner.GetHostHistoryAsync(hostId, range, cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetContainersHistoryAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken) =>
        inner.GetContainersHistoryAsync(containerIds, range, cancellationToken);
}
