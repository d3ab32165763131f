using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Placement;
using Orleans.Utilities;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// One Docker host (key: the daemon ID). Owns the host's container set as the silo's daemon watcher reports it;
/// every interval it asks each <see cref="IContainerGrain"/> for a sample, builds the <see cref="HostFrame"/> from
/// the answers and pushes it to subscribed <see cref="IHostFrameObserver"/>s.
/// </summary>
[DockerHostPlacement]
[KeepAlive]
public sealed partial class HostGrain(
    IMonitorSink sink,
    TimeProvider clock,
    IOptions<SamplingOptions> sampling,
    ILogger<HostGrain> logger) : Grain, IHostGrain
{
    /// <summary>Observers that stop re-subscribing are dropped after this long (Api instances re-subscribe every 20 s).</summary>
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan HostSeenInterval = TimeSpan.FromSeconds(30);

    /// <summary>How many removed container ids are remembered, so a replayed event does not bring one back.</summary>
    private const int RemovedMemory = 4096;

    private readonly ObserverManager<IHostFrameObserver> _observers = new(ObserverExpiry, logger);
    private readonly Dictionary<string, ContainerSlot> _containers = new(StringComparer.Ordinal);
    private readonly List<Task<ContainerLive>> _pending = [];
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly Queue<string> _removedOrder = new();
    private HostInfo? _info;
    private bool _reachable;
    private string? _error = "the silo has not reached its Docker daemon yet";
    private DateTimeOffset? _lastSeen;
    private DateTimeOffset _lastHostSeenWrite;
    private long _sequence;
    private HostFrame? _frame;
    private TimeSpan? _samplingDuration;

    private string? _hostId;

    private string HostId => _hostId ??= this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = sampling.Value.Interval;
        this.RegisterGrainTimer(static (g, _) => g.TickAsync(), this, new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });
        ServiceProvider.GetService<IHostResync>()?.Resync(HostId);
        return Task.CompletedTask;
    }

    public Task StartAsync(HostInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.HostId != HostId)
        {
            throw new ArgumentException($"Host grain {HostId} was given the facts of daemon {info.HostId}", nameof(info));
        }

        if (!_reachable && _info is not null)
        {
            LogDaemonBack(HostId);
        }

        _info = info;
        _reachable = true;
        _error = null;
        _lastSeen = clock.GetUtcNow();
        _lastHostSeenWrite = _lastSeen.Value;
        sink.HostSeen(info);
        return Task.CompletedTask;
    }

    public Task DaemonLostAsync(string reason)
    {
        if (_reachable)
        {
            LogDaemonLost(HostId, reason);
        }

        _reachable = false;
        _error = reason;
        return Task.CompletedTask;
    }

    public Task UpsertContainerAsync(ContainerAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        Upsert(assignment, null);
        return Task.CompletedTask;
    }

    public async Task ApplyEventAsync(ContainerEvent containerEvent, ContainerAssignment? inspected)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        sink.EventRecorded(containerEvent);
        var id = containerEvent.ContainerId;
        var known = _containers.GetValueOrDefault(id)?.Assignment;
        if (containerEvent.Action == ContainerEventActions.Destroy)
        {
            if (known is not null)
            {
                await RemoveContainerAsync(id);
            }
            else if (Remember(id))
            {
                // Created and destroyed between two looks: its row comes from the event's attributes.
                sink.ContainerChanged(ContainerLifecycle.FromEvent(containerEvent) with { State = ContainerState.Removed, Removed = true });
            }

            return;
        }

        if (inspected is not null)
        {
            Upsert(inspected, containerEvent);
        }
        else if (known is not null || !_removed.Contains(id))
        {
            // Docker no longer knows it: what the event says it became stands until its destroy arrives.
            var info = ContainerLifecycle.Apply(known?.Info ?? ContainerLifecycle.FromEvent(containerEvent), containerEvent);
            var assignment = new ContainerAssignment(info, null, known?.HostMemoryTotalBytes ?? _info?.MemoryTotalBytes ?? 0);
            SetAssignment(id, assignment);
        }
    }

    public Task MarkRemovedAsync(ImmutableArray<ContainerInfo> gone)
    {
        foreach (var container in gone)
        {
            if (container.HostId == HostId && !container.Removed && !_containers.ContainsKey(container.Id) && Remember(container.Id))
            {
                LogRemovedWhileAway(HostId, container.Id, container.Name);
                sink.ContainerChanged(container with { State = ContainerState.Removed, Removed = true });
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether <paramref name="next"/>'s run began under the monitor's eyes: the watcher says so (it started after the
    /// watch began), or this grain knew the container stopped or running an older start. The same run keeps what it
    /// had, so a run already counted from zero is not counted again.
    /// </summary>
    private static bool StartObserved(ContainerAssignment known, ContainerAssignment next)
    {
        if (next.Target is not { } target)
        {
            return false;
        }

        if (known.Target == target)
        {
            return known.StartObserved;
        }

        return next.StartObserved || known.Target is null || known.Target.StartedAt < target.StartedAt;
    }

    public async Task RemoveContainerAsync(string containerId)
    {
        if (!_containers.Remove(containerId, out var slot))
        {
            return;
        }

        Remember(containerId);
        var removed = slot.Assignment.Info with { State = ContainerState.Removed, Removed = true };
        await slot.Grain.RemoveAsync(removed);
    }

    public async Task<ImmutableArray<string>> ReconcileAsync(ImmutableArray<ContainerInfo> listed, bool full)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stale = ImmutableArray.CreateBuilder<string>();
        foreach (var summary in listed)
        {
            seen.Add(summary.Id);
            var known = _containers.GetValueOrDefault(summary.Id)?.Assignment.Info;
            if (full || known is null || known.State != summary.State || known.Name != summary.Name)
            {
                stale.Add(summary.Id);
            }
        }

        // The listing is the truth: anything not in it was destroyed while nobody was looking.
        foreach (var gone in _containers.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            await RemoveContainerAsync(gone);
        }

        return stale.ToImmutable();
    }

    public Task<HostFrame> GetFrameAsync() => Task.FromResult(_frame ??= BuildFrame());

    public Task SubscribeAsync(IHostFrameObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IHostFrameObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task<HostWindows> GetWindowsAsync(RuleSelector selector, int seconds)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var selected = _containers.Values.Where(slot => selector.Matches(slot.Assignment.Info)).ToList();
        var reads = selected.Select(slot => ReadWindowAsync(slot, seconds)).ToList();
        var windows = await Task.WhenAll(reads);
        return new HostWindows(HostId, _reachable, _reachable ? null : _error, [.. windows]);
    }

    /// <summary>One selected container's window; a stopped container comes without points (its ring keeps its last run).</summary>
    private static async Task<ContainerWindow> ReadWindowAsync(ContainerSlot slot, int seconds)
    {
        var assignment = slot.Assignment;
        var info = assignment.Info;
        var limit = info.Limits is { MemoryLimitBytes: > 0 } limits ? limits.MemoryLimitBytes : assignment.HostMemoryTotalBytes;
        var running = assignment.Target is not null && info.State == ContainerState.Running;
        var points = running ? await slot.Grain.GetWindowAsync(seconds) : [];
        return new ContainerWindow(info.Id, info.Name, running, limit, points);
    }

    /// <summary>One interval: every container samples at once, then the frame goes out with the fresh samples.</summary>
    private async Task TickAsync()
    {
        var started = clock.GetTimestamp();
        await SampleContainersAsync();
        _samplingDuration = clock.GetElapsedTime(started);
        var now = clock.GetUtcNow();
        if (_reachable && _info is not null)
        {
            _lastSeen = now;
            if (now - _lastHostSeenWrite >= HostSeenInterval)
            {
                _lastHostSeenWrite = now;
                sink.HostSeen(_info);
            }
        }

        _frame = BuildFrame();
        if (_observers.Count > 0)
        {
            var frame = _frame;
            await _observers.Notify(o => o.OnFrame(frame));
        }
    }

    private async Task SampleContainersAsync()
    {
        _pending.Clear();
        foreach (var slot in _containers.Values)
        {
            // A container still busy with its previous sample (a slow stats stream) is not asked again.
            if (slot.Pending is null)
            {
                slot.PendingAssignment = slot.Assignment;
                slot.Pending = slot.Grain.SampleAsync(slot.Assignment);
            }

            _pending.Add(slot.Pending);
        }

        if (_pending.Count == 0)
        {
            return;
        }

        var all = Task.WhenAll(_pending);
        try
        {
            // Bounded so one stuck container delays nobody's frame by more than a fraction of the interval.
            await all.WaitAsync(sampling.Value.Interval * 0.8, clock);
        }
        catch (TimeoutException)
        {
            var pending = _pending.Count(t => !t.IsCompleted);
            LogSamplingSlow(HostId, pending);
        }
        catch (Exception) when (all.IsFaulted || all.IsCanceled)
        {
            // Each failed or canceled container is logged below; the others' samples are in. A canceled call (one
            // held by a grain directory lease after a silo failure) must not end the tick, or its task would stay
            // pending in the slot and every later tick would fail the same way: the host would send no frame again.
        }

        // Containers removed during the wait are no longer in the set: their answers are dropped with them.
        foreach (var (id, slot) in _containers)
        {
            if (slot.Pending is not { IsCompleted: true } task)
            {
                continue;
            }

            slot.Pending = null;
            if (task.IsCompletedSuccessfully)
            {
                slot.Latest = task.Result;
                if (task.Result.Sample is not null && slot.Assignment.StartObserved && ReferenceEquals(slot.PendingAssignment, slot.Assignment))
                {
                    // The run's first sample has been counted from zero; from now on a fresh activation takes its
                    // first reading as the baseline instead of counting the run again.
                    slot.Assignment = slot.Assignment with { StartObserved = false };
                }
            }
            else
            {
                slot.Latest = null;
                LogSampleCallFailed(task.Exception?.GetBaseException(), id);
            }
        }

        _pending.Clear();
    }

    private HostFrame BuildFrame()
    {
        var containers = ImmutableArray.CreateBuilder<ContainerLive>(_containers.Count);
        foreach (var slot in _containers.Values)
        {
            // Metadata may have changed since the sample was taken: the frame shows the newest.
            var info = slot.Assignment.Info;
            var live = slot.Latest is { } latest
                ? ReferenceEquals(latest.Container, info) ? latest : latest with { Container = info }
                : new ContainerLive(info, null);
            // A namespace whose Docker interfaces are gone (its owner stopped under a container:X joiner) is not
            // measured: the entry names no namespace then, as its sample has no network.
            var networkNamespace = live.Sample is { NetRxBytes: null } ? null : slot.Assignment.Target?.NetworkNamespace;
            containers.Add(live.NetworkNamespace == networkNamespace ? live : live with { NetworkNamespace = networkNamespace });
        }

        var all = containers.MoveToImmutable();
        return new HostFrame(
            ++_sequence,
            clock.GetUtcNow(),
            _info,
            HostId,
            _reachable ? HostStatus.Up : HostStatus.Unreachable,
            _lastSeen,
            _error,
            all,
            Totals: HostTotalsCalculator.Sum(all, id => _containers.GetValueOrDefault(id)?.Assignment.Target?.NetworkNamespace),
            SamplingDuration: _samplingDuration);
    }

    /// <summary>An inspected container joins or updates the set, keeping what only events told about it.</summary>
    private void Upsert(ContainerAssignment inspected, ContainerEvent? containerEvent)
    {
        var id = inspected.Info.Id;
        var known = _containers.GetValueOrDefault(id)?.Assignment.Info;
        var info = ContainerLifecycle.Merge(known, inspected.Info, containerEvent);
        // Docker answered for it: a listing taken just before it was created had removed it.
        _removed.Remove(id);

        SetAssignment(id, ReferenceEquals(info, inspected.Info) ? inspected : inspected with { Info = info });
    }

    private void SetAssignment(string id, ContainerAssignment assignment)
    {
        if (_containers.TryGetValue(id, out var slot))
        {
            slot.Assignment = assignment with { StartObserved = StartObserved(slot.Assignment, assignment) };
        }
        else
        {
            _containers.Add(id, new ContainerSlot(ContainerGrain(id), assignment));
        }
    }

    /// <summary>Remembers a removed id (the oldest are forgotten); false when it was already known as removed.</summary>
    private bool Remember(string containerId)
    {
        if (!_removed.Add(containerId))
        {
            return false;
        }

        _removedOrder.Enqueue(containerId);
        if (_removedOrder.Count > RemovedMemory)
        {
            _removed.Remove(_removedOrder.Dequeue());
        }

        return true;
    }

    private IContainerGrain ContainerGrain(string containerId) =>
        GrainFactory.GetGrain<IContainerGrain>(GrainKeys.Container(HostId, containerId));

    /// <summary>
    /// One container of the set: its assignment, its grain reference (resolved once, not every interval), its latest
    /// answer and the sample call still in flight, if any.
    /// </summary>
    private sealed class ContainerSlot(IContainerGrain grain, ContainerAssignment assignment)
    {
        public IContainerGrain Grain { get; } = grain;

        public ContainerAssignment Assignment { get; set; } = assignment;

        public ContainerLive? Latest { get; set; }

        public Task<ContainerLive>? Pending { get; set; }

        public ContainerAssignment? PendingAssignment { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker daemon {HostId} is unreachable: {Reason}")]
    private partial void LogDaemonLost(string hostId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker daemon {HostId} answers again")]
    private partial void LogDaemonBack(string hostId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostId}: container {ContainerId} ({Name}) was removed while no silo watched; stored as removed")]
    private partial void LogRemovedWhileAway(string hostId, string containerId, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Host {HostId}: {Pending} containers had not finished sampling when the frame went out")]
    private partial void LogSamplingSlow(string hostId, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling call to container {ContainerId} failed")]
    private partial void LogSampleCallFailed(Exception? exception, string containerId);
}
