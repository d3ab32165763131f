using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>
/// One Docker host, keyed by its daemon ID. It owns one thing, the container set of its daemon: the silo's daemon
/// watcher tells it what Docker says, it drives one sample per container per interval and pushes the host's frame
/// to subscribed observers. It activates only on the silo that watches that daemon.
/// </summary>
/// <exception cref="HostUnavailableException">Thrown by any call when no live silo watches the daemon.</exception>
public interface IHostGrain : IGrainWithStringKey
{
    /// <summary>The daemon answers (first time, or again after it was lost): facts, and the host is up.</summary>
    Task StartAsync(HostInfo info);

    /// <summary>The daemon stopped answering; the host shows <see cref="HostStatus.Unreachable"/> with <paramref name="reason"/>.</summary>
    Task DaemonLostAsync(string reason);

    /// <summary>A container as inspected after an event or a listing: created, changed, started, stopped.</summary>
    Task UpsertContainerAsync(ContainerAssignment assignment);

    /// <summary>
    /// A container event: recorded with the container (the store keeps every one), then applied to the set.
    /// <paramref name="inspected"/> is the container as inspected after the event, or null when Docker no longer knows
    /// it (a short-lived container is often gone before anyone looks): then the event's own facts say what it became.
    /// A <c>destroy</c> removes the container.
    /// </summary>
    Task ApplyEventAsync(ContainerEvent containerEvent, ContainerAssignment? inspected);

    /// <summary>
    /// Containers the store still holds as present on this host that Docker no longer lists (removed while no silo
    /// watched): stored as removed. Containers in the set are left alone: an event re-added them after the listing.
    /// </summary>
    Task MarkRemovedAsync(ImmutableArray<ContainerInfo> gone);

    /// <summary>The container was destroyed: its open minute is closed, it leaves the frame, history stays.</summary>
    Task RemoveContainerAsync(string containerId);

    /// <summary>
    /// Makes the set agree with a full listing: containers not listed are removed. Returns the ids that must be
    /// inspected and upserted (unknown, or their state or name changed); all of them when <paramref name="full"/>.
    /// </summary>
    Task<ImmutableArray<string>> ReconcileAsync(ImmutableArray<ContainerInfo> listed, bool full);

    /// <summary>The newest frame (built each interval); the same one observers got.</summary>
    Task<HostFrame> GetFrameAsync();

    /// <summary>Pushes one frame per interval to <paramref name="observer"/> until it unsubscribes or its subscription expires (60 s: subscribe again well before).</summary>
    Task SubscribeAsync(IHostFrameObserver observer);

    Task UnsubscribeAsync(IHostFrameObserver observer);

    /// <summary>
    /// The last <paramref name="seconds"/> of every container of this host that <paramref name="selector"/> selects,
    /// read from their container grains in parallel (a rule's evaluation). Stopped containers come without points.
    /// </summary>
    Task<Rules.HostWindows> GetWindowsAsync(Rules.RuleSelector selector, int seconds);
}
