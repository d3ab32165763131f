using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Polly;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Resilience;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.Silo.Docker;

/// <summary>
/// Follows this silo's Docker daemon (<c>/events</c> resumed from the last event's time after a reconnect, plus a full
/// listing every <see cref="HostWatchOptions.ReconcileInterval"/>) and tells the host grain what it learns. All Docker
/// I/O of a host happens here, outside grain turns; the host grain only keeps the container set. Each container event
/// goes to the host grain with the container as inspected right after it, or without when Docker no longer knows it.
/// A full reconcile (at start, and when the host grain asks for everything again) also reads what the store holds for
/// this daemon, so containers removed while no silo watched are marked removed.
/// </summary>
public sealed partial class DaemonWatcher(
    DockerDaemon docker,
    IStatsSource statsSource,
    WatchedDaemon daemon,
    IMonitorStore store,
    IGrainFactory grains,
    IOptions<HostWatchOptions> options,
    TimeProvider clock,
    ILogger<DaemonWatcher> logger) : BackgroundService, IHostResync
{
    // Events that change what a container is but are not recorded (ContainerEventActions.Recorded are); exec_*,
    // attach, resize and the like change nothing.
    private static readonly HashSet<string> RefreshActions = ["stop", "update"];

    private readonly IHostGrain _host = grains.GetGrain<IHostGrain>(daemon.HostId);
    private readonly Channel<bool> _resync = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private HostInfo _info = daemon.Info with { StatsSource = statsSource.Name };

    // Runs that began after this are starts the monitor saw: their counters count from zero.
    private readonly DateTimeOffset _watchStartedAt = clock.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // From a moment before the first listing, so nothing created in between is missed; events are idempotent here.
        var cursor = (clock.GetUtcNow() - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds() * 1_000_000;
        var reconnect = Backoff.Forever(
            IsDaemonFault,
            (attempt, ex, delay) => LogStillUnreachable(docker.Host, attempt, delay, ex.Message),
            clock,
            options.Value.ReconnectBaseDelay,
            options.Value.ReconnectMaxDelay);
        using var reconcile = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task? reconcileLoop = null;
        var resyncLoop = ResyncLoopAsync(reconcile.Token);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _host.StartAsync(_info);
                    await ReconcileAsync(full: true, stoppingToken);
                    reconcileLoop ??= ReconcileLoopAsync(reconcile.Token);
                    await foreach (var dockerEvent in docker.StreamContainerEventsAsync(cursor, stoppingToken))
                    {
                        cursor = Math.Max(cursor, dockerEvent.TimeNano);
                        await ApplyAsync(dockerEvent, stoppingToken);
                    }

                    throw new DockerUnavailableException(docker.Host, "the Docker daemon closed the event stream");
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    await RecoverAsync(ex, reconnect, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await reconcile.CancelAsync();
            if (reconcileLoop is not null)
            {
                await reconcileLoop;
            }

            await resyncLoop;
        }
    }

    public void Resync(string hostId)
    {
        if (hostId == daemon.HostId)
        {
            _resync.Writer.TryWrite(true);
        }
    }

    /// <summary>A host grain that activated anew gets the daemon's facts and every container again, or learns the daemon is away.</summary>
    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in _resync.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    IReadOnlyList<ContainerInfo>? listed = null;
                    var stored = await StoredContainersAsync(cancellationToken);
                    try
                    {
                        listed = await docker.ListContainersAsync(daemon.HostId, cancellationToken);
                    }
                    catch (Exception ex) when (IsDaemonFault(ex))
                    {
                        // The events loop reconnects and starts the grain again; until then it says why.
                        await _host.DaemonLostAsync(ex.Message);
                    }

                    if (listed is not null)
                    {
                        await _host.StartAsync(_info);
                        await ApplyListingAsync(listed, stored, full: true, cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReconcileFailed(daemon.HostId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>After the daemon is lost, waits until it answers again; after anything else (a failed grain call while the silo stops or is overloaded) pauses before starting over.</summary>
    private async Task RecoverAsync(Exception failure, ResiliencePipeline reconnect, CancellationToken stoppingToken)
    {
        if (!IsDaemonFault(failure))
        {
            LogWatchFailed(failure, daemon.HostId);
            await Task.Delay(options.Value.ReconnectBaseDelay, clock, stoppingToken);
            return;
        }

        LogDaemonLost(daemon.HostId, docker.Host, failure.Message);
        try
        {
            await _host.DaemonLostAsync(failure.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWatchFailed(ex, daemon.HostId);
        }

        _info = await reconnect.ExecuteAsync(AnswersAsync, stoppingToken);
        LogDaemonBack(daemon.HostId, docker.Host);
    }

    private static bool IsDaemonFault(Exception ex) => ex is DockerException or HttpRequestException or IOException or TimeoutException;

    private async ValueTask<HostInfo> AnswersAsync(CancellationToken cancellationToken)
    {
        var info = await docker.GetHostInfoAsync(statsSource.Name, cancellationToken);
        if (info.HostId != daemon.HostId)
        {
            // Another daemon now answers at this address: this silo declared the old one and must not report the new one as it.
            throw new DockerUnavailableException(docker.Host, $"the daemon at this address is now {info.HostId}, not {daemon.HostId}; restart the silo to watch it");
        }

        return info;
    }

    private async Task ReconcileLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await ReconcileAsync(full: false, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The events loop notices a lost daemon; a failed listing waits for the next tick.
                    LogReconcileFailed(daemon.HostId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAsync(bool full, CancellationToken cancellationToken)
    {
        // Read before listing: a row stored after the listing began could belong to a container the listing missed.
        var stored = full ? await StoredContainersAsync(cancellationToken) : null;
        var listed = await docker.ListContainersAsync(daemon.HostId, cancellationToken);
        await ApplyListingAsync(listed, stored, full, cancellationToken);
    }

    /// <summary>Makes the host grain agree with a listing; with the stored containers, marks the ones Docker no longer has.</summary>
    private async Task ApplyListingAsync(
        IReadOnlyList<ContainerInfo> listed, IReadOnlyList<ContainerInfo>? stored, bool full, CancellationToken cancellationToken)
    {
        var stale = await _host.ReconcileAsync([.. listed], full);
        foreach (var id in stale)
        {
            await RefreshAsync(id, cancellationToken);
        }

        if (stored is not null)
        {
            var present = listed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            var gone = stored.Where(c => !present.Contains(c.Id)).ToImmutableArray();
            if (gone.Length > 0)
            {
                await _host.MarkRemovedAsync(gone);
            }
        }
    }

    /// <summary>The containers the store holds as present on this daemon; null (and a warning) when the store cannot answer now.</summary>
    private async Task<IReadOnlyList<ContainerInfo>?> StoredContainersAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetContainersAsync(new ContainerQuery(daemon.HostId, IncludeRemoved: false), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The next full reconcile tries again; watching Docker does not wait for the database.
            LogStoreUnreadable(daemon.HostId, ex.Message);
            return null;
        }
    }

    private async Task ApplyAsync(DockerEvent dockerEvent, CancellationToken cancellationToken)
    {
        if (ContainerEventActions.Recorded.Contains(dockerEvent.Action))
        {
            // Inspect is the truth while Docker still knows the container; the grain falls back on the event's facts.
            var inspected = dockerEvent.Action == ContainerEventActions.Destroy
                ? null
                : await InspectAsync(dockerEvent.ActorId, cancellationToken);
            await _host.ApplyEventAsync(dockerEvent.ToContainerEvent(daemon.HostId), inspected);
        }
        else if (RefreshActions.Contains(dockerEvent.Action) && await InspectAsync(dockerEvent.ActorId, cancellationToken) is { } assignment)
        {
            await _host.UpsertContainerAsync(assignment);
        }
    }

    /// <summary>A container the listing named: inspected and upserted, or removed when it is gone already.</summary>
    private async Task RefreshAsync(string containerId, CancellationToken cancellationToken)
    {
        if (await InspectAsync(containerId, cancellationToken) is { } assignment)
        {
            await _host.UpsertContainerAsync(assignment);
        }
        else
        {
            await _host.RemoveContainerAsync(containerId);
        }
    }

    /// <summary>The container as inspect sees it now, or null when Docker no longer knows it.</summary>
    private async Task<ContainerAssignment?> InspectAsync(string containerId, CancellationToken cancellationToken)
    {
        DockerContainerDetails details;
        try
        {
            details = await docker.InspectContainerAsync(containerId, daemon.HostId, cancellationToken);
        }
        catch (DockerNotFoundException)
        {
            return null;
        }

        var target = details.Target;
        var startObserved = target is not null && target.StartedAt >= _watchStartedAt;
        return new ContainerAssignment(details.Info, target, _info.MemoryTotalBytes, startObserved);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker daemon {HostId} at {DockerHost} (DOCKER_HOST) is unreachable: {Reason}; retrying with backoff")]
    private partial void LogDaemonLost(string hostId, string dockerHost, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker at {DockerHost} still unreachable (attempt {Attempt}, next in {Delay}): {Reason}")]
    private partial void LogStillUnreachable(string dockerHost, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker daemon {HostId} at {DockerHost} answers again")]
    private partial void LogDaemonBack(string hostId, string dockerHost);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following Docker daemon {HostId} failed; starting over")]
    private partial void LogWatchFailed(Exception exception, string hostId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the stored containers of {HostId} failed: {Reason}; containers removed while no silo watched are marked at the next full reconcile")]
    private partial void LogStoreUnreadable(string hostId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the containers of {HostId} failed: {Reason}")]
    private partial void LogReconcileFailed(string hostId, string reason);
}
