using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Live;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Runtime.Supervision;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// Watches one Docker daemon: follows <c>/events</c>, reconciles with the container list, activates and supervises one
/// <see cref="IContainerGrain"/> per container and publishes the host's live frame every second.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class HostGrain(
    IGrainRuntime runtime,
    DockerDaemon docker,
    LiveBoard board,
    ChildReports reports,
    HostFrameBroadcaster broadcaster,
    IMonitorSink sink,
    TimeProvider clock,
    IOptions<HostWatchOptions> options,
    IOptions<SamplingOptions> sampling,
    ILogger<HostGrain> logger) : Grain, IHostGrain, IDisposable
{
    // Events that change what a container is or whether it runs; exec_*, attach, resize and the like do not.
    private static readonly HashSet<string> LifecycleActions =
    [
        "create", "start", "restart", "stop", "kill", "die", "pause", "unpause", "oom", "rename", "update", "health_status",
    ];

    private static readonly TimeSpan HostSeenInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, ContainerAssignment> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _sampling = new(StringComparer.Ordinal);
    private readonly SupervisionPolicy _reconnectPolicy = new()
    {
        BaseDelay = options.Value.ReconnectBaseDelay,
        MaxDelay = options.Value.ReconnectMaxDelay,
    };

    private ChildSupervisor<IContainerGrain>? _children;
    private readonly CancellationTokenSource _stopping = new();
    private HostInfo? _info;
    private Task? _eventsLoop;
    private bool _reachable;
    private string? _error;
    private DateTimeOffset? _lastSeen;
    private DateTimeOffset _lastHostSeenWrite;
    private long _sequence;
    private long? _eventCursor;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        _children = new ChildSupervisor<IContainerGrain>(
            runtime,
            (key, child, _) => _containers.TryGetValue(key, out var assignment) ? child.ApplyAsync(assignment) : Task.CompletedTask,
            SupervisionPolicy.Default,
            clock,
            logger);
        RegisterGrainTimer(static (g, ct) => g.TickAsync(ct), this, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = sampling.Value.Interval });
        RegisterGrainTimer(static (g, _) => g.ReconcileAsync(full: false), this, new GrainTimerCreationOptions { DueTime = o.ReconcileInterval, Period = o.ReconcileInterval });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_eventsLoop is not null)
        {
            await _eventsLoop.ConfigureAwait(false);
        }
    }

    /// <summary>The runtime disposes a grain after its deactivation.</summary>
    public void Dispose() => _stopping.Dispose();

    public async Task StartAsync(HostInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (_eventsLoop is not null)
        {
            return;
        }

        MarkReachable(info);

        // Subscribe from a moment before the first list so nothing created in between is missed; events are idempotent here.
        _eventCursor = (clock.GetUtcNow() - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds() * 1_000_000;
        var self = GrainFactory.GetGrain<IHostGrain>(GrainKey);
        _eventsLoop = Task.Run(() => FollowEventsAsync(self, _stopping.Token));
        await ReconcileAsync(full: true).ConfigureAwait(false);
    }

    public async Task OnDockerEventAsync(DockerEvent dockerEvent)
    {
        ArgumentNullException.ThrowIfNull(dockerEvent);
        _eventCursor = Math.Max(_eventCursor ?? 0, dockerEvent.TimeNano);
        if (dockerEvent.Action == "destroy")
        {
            await RemoveContainerAsync(dockerEvent.ActorId).ConfigureAwait(false);
        }
        else if (LifecycleActions.Contains(dockerEvent.Action))
        {
            await RefreshContainerAsync(dockerEvent.ActorId).ConfigureAwait(false);
        }
    }

    public async Task ReconcileAsync(bool full)
    {
        if (_info is null || !_reachable)
        {
            return;
        }

        IReadOnlyList<ContainerInfo> listed;
        try
        {
            listed = await docker.ListContainersAsync(_info.HostId, _stopping.Token).ConfigureAwait(false);
        }
        catch (DockerUnavailableException ex)
        {
            MarkUnreachable(ex.Message);
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var summary in listed)
        {
            seen.Add(summary.Id);
            var known = _containers.GetValueOrDefault(summary.Id);
            if (full || known is null || known.Info.State != summary.State || known.Info.Name != summary.Name)
            {
                await RefreshContainerAsync(summary.Id).ConfigureAwait(false);
            }
        }

        // The listing is the truth: anything not in it was destroyed while we were not looking.
        foreach (var gone in _containers.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            await RemoveContainerAsync(gone).ConfigureAwait(false);
        }
    }

    public Task DaemonLostAsync(string reason)
    {
        MarkUnreachable(reason);
        return Task.CompletedTask;
    }

    public async Task DaemonBackAsync(HostInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        LogDaemonBack(info.HostId, docker.Host);
        MarkReachable(info);

        // Every container may have restarted with the daemon: re-inspect all of them.
        await ReconcileAsync(full: true).ConfigureAwait(false);
    }

    private async Task HandleChildReportsAsync()
    {
        foreach (var report in reports.Drain(_info!.HostId))
        {
            if (!_containers.ContainsKey(report.ContainerId))
            {
                continue;
            }

            if (report.FaultReason is null)
            {
                await RefreshContainerAsync(report.ContainerId).ConfigureAwait(false);
            }
            else
            {
                LogChildFaulted(report.ContainerId, report.FaultReason);
                _children!.ReportFault(report.ContainerId, new ContainerSamplingException(report.FaultReason));
            }
        }
    }

    private async Task RefreshContainerAsync(string containerId)
    {
        if (_info is null)
        {
            return;
        }

        DockerContainerDetails details;
        try
        {
            details = await docker.InspectContainerAsync(containerId, _info.HostId, _stopping.Token).ConfigureAwait(false);
        }
        catch (DockerNotFoundException)
        {
            await RemoveContainerAsync(containerId).ConfigureAwait(false);
            return;
        }
        catch (DockerUnavailableException ex)
        {
            MarkUnreachable(ex.Message);
            return;
        }

        var info = details.Info;
        var running = details.Pid > 0 && info.State is ContainerState.Running or ContainerState.Paused or ContainerState.Restarting;
        var target = running ? new ContainerTarget(info.Id, details.Pid, info.StartedAt ?? info.Created) : null;
        var assignment = new ContainerAssignment(info, target, _info.MemoryTotalBytes);
        _containers[info.Id] = assignment;
        await _children!.StartAsync(info.Id, _stopping.Token).ConfigureAwait(false);
    }

    private async Task RemoveContainerAsync(string containerId)
    {
        if (!_containers.Remove(containerId, out var assignment))
        {
            return;
        }

        _sampling.Remove(containerId);
        var removed = assignment.Info with { State = ContainerState.Removed, Removed = true };
        await GrainFactory.GetGrain<IContainerGrain>(containerId).RemoveAsync(removed).ConfigureAwait(false);
        _children!.Remove(containerId);
    }

    /// <summary>One interval: every container samples at once, then the frame goes out with the fresh samples.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_info is null)
        {
            return;
        }

        await SampleContainersAsync().ConfigureAwait(false);
        await PublishFrameAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SampleContainersAsync()
    {
        foreach (var id in _containers.Keys)
        {
            // A container still busy with its previous sample (a slow stats stream) is not asked again.
            if (!_sampling.TryGetValue(id, out var pending) || pending.IsCompleted)
            {
                _sampling[id] = GrainFactory.GetGrain<IContainerGrain>(id).SampleAsync();
            }
        }

        var all = Task.WhenAll(_sampling.Values);
        try
        {
            // Bounded so one stuck container delays nobody's frame by more than a fraction of the interval.
            await all.WaitAsync(sampling.Value.Interval * 0.8, clock).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var pending = _sampling.Count(s => !s.Value.IsCompleted);
            LogSamplingSlow(pending);
        }
        catch (Exception) when (all.IsFaulted)
        {
            // A grain call that failed (overloaded, failed activation) is that container's problem, reported below.
        }

        foreach (var (id, task) in _sampling.Where(s => s.Value.IsFaulted))
        {
            _children!.ReportFault(id, task.Exception!.GetBaseException());
        }
    }

    private async Task PublishFrameAsync(CancellationToken cancellationToken)
    {
        if (_info is null)
        {
            return;
        }


        await HandleChildReportsAsync().ConfigureAwait(false);
        await _children!.RestartDueAsync(cancellationToken).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        if (_reachable)
        {
            _lastSeen = now;
            if (now - _lastHostSeenWrite >= HostSeenInterval)
            {
                _lastHostSeenWrite = now;
                sink.HostSeen(_info);
            }
        }

        var containers = board.Snapshot(_info.HostId).Where(c => _containers.ContainsKey(c.Container.Id)).ToArray();
        broadcaster.Publish(new HostFrame(
            ++_sequence,
            now,
            _info,
            _info.HostId,
            _reachable ? HostStatus.Up : HostStatus.Unreachable,
            _lastSeen,
            _error,
            containers));
    }

    private void MarkReachable(HostInfo info)
    {
        _info = info;
        _reachable = true;
        _error = null;
        _lastSeen = clock.GetUtcNow();
        _lastHostSeenWrite = _lastSeen.Value;
        sink.HostSeen(info);
    }

    private void MarkUnreachable(string reason)
    {
        if (_reachable)
        {
            LogDaemonLost(GrainKey, docker.Host, reason);
        }

        _reachable = false;
        _error = reason;
    }

    /// <summary>Runs outside the grain's turns; everything it learns goes back in through grain calls.</summary>
    private async Task FollowEventsAsync(IHostGrain self, CancellationToken cancellationToken)
    {
        var failures = 0;
        var connected = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!connected)
                {
                    var info = await docker.GetHostInfoAsync(_info!.StatsSource, cancellationToken).ConfigureAwait(false);
                    await self.DaemonBackAsync(info).ConfigureAwait(false);
                    connected = true;
                }

                await foreach (var dockerEvent in docker.StreamContainerEventsAsync(_eventCursor, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    await self.OnDockerEventAsync(dockerEvent).ConfigureAwait(false);
                }

                // A clean end of the stream means the daemon is shutting down.
                throw new DockerUnavailableException(docker.Host, "the Docker daemon closed the event stream");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DockerException or HttpRequestException or IOException)
            {
                if (connected)
                {
                    await self.DaemonLostAsync(ex.Message).ConfigureAwait(false);
                }

                connected = false;
                failures++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEventsLoopFailed(ex, GrainKey);
                failures++;
            }

            try
            {
                await Task.Delay(_reconnectPolicy.GetDelay(failures, Random.Shared.NextDouble()), clock, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker daemon {HostId} at {DockerHost} is unreachable: {Reason}; retrying with backoff")]
    private partial void LogDaemonLost(string hostId, string dockerHost, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker daemon {HostId} at {DockerHost} answers again")]
    private partial void LogDaemonBack(string hostId, string dockerHost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container grain {ContainerId} faulted: {Reason}")]
    private partial void LogChildFaulted(string containerId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Pending} containers had not finished sampling when the frame went out")]
    private partial void LogSamplingSlow(int pending);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following events of host {HostId} failed unexpectedly")]
    private partial void LogEventsLoopFailed(Exception exception, string hostId);
}
