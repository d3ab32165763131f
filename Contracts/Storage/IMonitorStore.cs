using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Storage;

/// <summary>
/// Durable state: hosts, containers and minute aggregates. SQLite standalone, PostgreSQL in a cluster;
/// both implementations pass the same contract tests.
/// </summary>
public interface IMonitorStore
{
    /// <summary>Creates or migrates the schema; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task UpsertHostAsync(HostInfo host, DateTimeOffset seenAt, CancellationToken cancellationToken);

    Task UpsertContainersAsync(IReadOnlyCollection<ContainerInfo> containers, CancellationToken cancellationToken);

    /// <summary>Writes a batch idempotently: a row that exists for (container, minute) is replaced, never duplicated.</summary>
    Task WriteAggregatesAsync(IReadOnlyCollection<MinuteAggregate> aggregates, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken);

    Task<StoredHost?> GetHostAsync(string hostId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ContainerInfo>> GetContainersAsync(ContainerQuery query, CancellationToken cancellationToken);

    /// <summary>Resolves a full id or a unique prefix; <see cref="ContainerLookup.Ambiguous"/> when several match.</summary>
    Task<ContainerLookup> FindContainerAsync(string idOrPrefix, CancellationToken cancellationToken);

    /// <summary>Minute rows of a container inside the range, ascending by minute.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetContainerHistoryAsync(string containerId, TimeRange range, CancellationToken cancellationToken);

    /// <summary>Minute rows of every container of a host in the range, ascending by minute.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetHostHistoryAsync(string hostId, TimeRange range, CancellationToken cancellationToken);

    /// <summary>Minute rows of the given containers (on any host) in the range, ascending by minute then container id.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetContainersHistoryAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken);

    /// <summary>Writes container events idempotently: an event that exists for (container, time, action) is kept once.</summary>
    Task WriteEventsAsync(IReadOnlyCollection<ContainerEvent> events, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="limit"/> events of a container inside the range, newest first.</summary>
    Task<IReadOnlyList<ContainerEvent>> GetContainerEventsAsync(string containerId, TimeRange range, int limit, CancellationToken cancellationToken);
}

/// <summary>A host as last persisted, with the time it was last seen by its silo.</summary>
public sealed record StoredHost(HostInfo Info, DateTimeOffset LastSeen);

/// <summary>Filters for container listing; null means any.</summary>
public sealed record ContainerQuery(string? HostId = null, string? State = null, string? NameContains = null, bool IncludeRemoved = true);

/// <summary>The outcome of resolving a container id or prefix.</summary>
public sealed record ContainerLookup(ContainerInfo? Container, bool Ambiguous)
{
    public static ContainerLookup NotFound { get; } = new(null, false);

    public static ContainerLookup AmbiguousMatch { get; } = new(null, true);
}

/// <summary>A half-open time range: <see cref="Start"/> &lt;= t &lt; <see cref="End"/>.</summary>
public sealed record TimeRange(DateTimeOffset Start, DateTimeOffset End);
