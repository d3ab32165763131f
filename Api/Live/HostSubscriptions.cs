using System.Collections.Concurrent;
using System.Collections.Immutable;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Placement;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// Keeps this Api subscribed to every live host: reads Orleans membership every <see cref="PollInterval"/>, subscribes
/// <see cref="LiveFrames"/> to the host grain of each active silo (again every <see cref="ResubscribeInterval"/>,
/// well inside the 60 s observer expiry, and at once when a silo joins), and turns membership into host status:
/// a host whose silo is dead or gone is <c>down</c>; one whose silo is active but sends nothing is <c>unreachable</c>.
/// </summary>
public sealed partial class HostSubscriptions(
    ClusterConnection connection,
    LiveFrames frames,
    TimeProvider clock,
    ILogger<HostSubscriptions> logger) : BackgroundService, ILiveFeed
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ResubscribeInterval = TimeSpan.FromSeconds(20);

    /// <summary>A host grain publishes every second; this much silence from an active silo means it does not answer.</summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private FollowedHostsGate? _gate;
    private ImmutableArray<MembershipEntry> _membership = [];

    /// <summary>Every silo row of the membership table, newest read (empty until connected).</summary>
    public ImmutableArray<MembershipEntry> Membership => _membership;

    public IReadOnlyCollection<HostFrame> Latest
    {
        get
        {
            if (connection.ProvisionalHostId is { } provisional && connection.Grains is null)
            {
                return [ProvisionalFrame(provisional)];
            }

            return frames.Latest;
        }
    }

    public async IAsyncEnumerable<HostFrame> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (connection.ProvisionalHostId is { } provisional && connection.Grains is null)
        {
            yield return ProvisionalFrame(provisional);
        }

        await foreach (var frame in frames.SubscribeAsync(cancellationToken))
        {
            yield return frame;
        }
    }

    public async Task<IReadOnlyList<SamplePoint>?> GetWindowAsync(string containerId, int seconds, CancellationToken cancellationToken)
    {
        var host = frames.Latest.FirstOrDefault(f => f.Status == HostStatus.Up && f.Containers.Any(c => c.Container.Id == containerId));
        if (host is null || connection.Grains is not { } grains)
        {
            return null;
        }

        try
        {
            var grain = grains.GetGrain<IContainerGrain>(GrainKeys.Container(host.HostId, containerId));
            return await grain.GetWindowAsync(seconds).WaitAsync(CallTimeout, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogWindowFailed(containerId, host.HostId, ex.Message);
            return null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IGrainFactory grains;
        try
        {
            grains = await connection.Connected.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Observers are held weakly by the runtime: the gate is a field of this singleton, so it stays alive with it.
        _gate = new FollowedHostsGate(frames, IsFollowed);
        var observer = grains.CreateObjectReference<IHostFrameObserver>(_gate);
        var management = grains.GetGrain<IManagementGrain>(0);
        if (connection.ProvisionalHostId is { } provisional)
        {
            frames.Forget(provisional);
        }

        using var timer = new PeriodicTimer(PollInterval, clock);
        do
        {
            MembershipEntry[] entries;
            try
            {
                entries = await management.GetDetailedHosts(onlyActive: false, CancellationToken.None).WaitAsync(CallTimeout, clock, stoppingToken);
                _membership = [.. entries];
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The table lives in Redis: while it is down, silos keep running and nobody can be voted dead, so the
                // last membership read stays right. Keep renewing subscriptions from it, or the observers expire.
                LogMembershipReadFailed(ex.Message);
                entries = [.. _membership];
            }

            await ApplyAsync(grains, observer, entries, stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));

        await Task.WhenAll(_subscriptions.Values.Where(s => s.Active).Select(s =>
            grains.GetGrain<IHostGrain>(s.HostId).UnsubscribeAsync(observer).WaitAsync(CallTimeout, clock)
                .ContinueWith(static _ => { }, TaskScheduler.Default)));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ApplyAsync(IGrainFactory grains, IHostFrameObserver observer, MembershipEntry[] entries, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var newest = entries
            .Select(e => (HostId: HostSiloName.HostIdOf(e.SiloName), Entry: e))
            .Where(e => e.HostId is not null)
            .GroupBy(e => e.HostId!, StringComparer.Ordinal)
            // The active silo of a host, else its newest row: a second silo started for the same daemon joins with a
            // higher generation, is refused and dies, and must not hide the first one that keeps running.
            .Select(g => g.OrderByDescending(e => e.Entry.Status == SiloStatus.Active).ThenByDescending(e => e.Entry.SiloAddress.Generation).First())
            .ToList();
        var calls = new List<Task>();
        foreach (var (hostId, entry) in newest)
        {
            var subscription = _subscriptions.GetOrAdd(hostId!, id => new Subscription(id));
            if (entry.Status != SiloStatus.Active)
            {
                subscription.Active = false;
                MarkHost(hostId!, HostStatus.Down, $"silo {entry.SiloAddress} is {entry.Status.ToString().ToLowerInvariant()} (Orleans membership)", entry.IAmAliveTime);
                continue;
            }

            var newSilo = !Equals(subscription.Silo, entry.SiloAddress);
            if (newSilo || now - subscription.SubscribedAt >= ResubscribeInterval)
            {
                subscription.Silo = entry.SiloAddress;
                calls.Add(SubscribeAsync(grains, observer, subscription, now, cancellationToken));
            }
            else if (subscription.Active && now - subscription.SubscribedAt >= SilenceLimit && IsSilent(hostId!, now))
            {
                MarkHost(hostId!, HostStatus.Unreachable, $"silo {entry.SiloAddress} sent no frame for {SilenceLimit.TotalSeconds:0} s", null);
            }
        }

        // One frozen silo must not hold up the others: every host's call runs at once, each with its own timeout.
        await Task.WhenAll(calls);
    }

    private async Task SubscribeAsync(IGrainFactory grains, IHostFrameObserver observer, Subscription subscription, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var host = grains.GetGrain<IHostGrain>(subscription.HostId);
            await host.SubscribeAsync(observer).WaitAsync(CallTimeout, clock, cancellationToken);
            if (!subscription.Active)
            {
                // The first frame after (re)subscribing: do not wait a second for the push.
                frames.Publish(await host.GetFrameAsync().WaitAsync(CallTimeout, clock, cancellationToken));
                LogSubscribed(subscription.HostId, subscription.Silo!);
            }

            subscription.Active = true;
            subscription.SubscribedAt = now;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is not HostUnavailableException && subscription.Active && !IsSilent(subscription.HostId, clock.GetUtcNow()))
            {
                // Its frames still arrive, so the host is fine: the call was lost on the way (routed through a hung
                // silo's gateway until the client drops it). The renewal is due again at the next membership read.
                LogSubscribeFailed(subscription.HostId, ex.Message);
                return;
            }

            subscription.Active = false;
            var status = ex is HostUnavailableException ? HostStatus.Down : HostStatus.Unreachable;
            MarkHost(subscription.HostId, status, $"silo {subscription.Silo} does not answer: {ex.Message}", null);
            LogSubscribeFailed(subscription.HostId, ex.Message);
        }
    }

    private bool IsFollowed(string hostId) => _subscriptions.TryGetValue(hostId, out var subscription) && subscription.Active;

    private bool IsSilent(string hostId, DateTimeOffset now) =>
        frames.LastReceived(hostId) is not { } received || now - received > SilenceLimit;

    private void MarkHost(string hostId, string status, string error, DateTimeOffset? lastSeen)
    {
        var last = frames.Get(hostId);
        if (last is not null && last.Status == status)
        {
            return;
        }

        frames.Publish(new HostFrame(
            (last?.Sequence ?? 0) + 1,
            clock.GetUtcNow(),
            last?.Host,
            hostId,
            status,
            last?.LastSeen ?? lastSeen,
            error,
            last is null ? [] : [.. last.Containers.Select(c => c with { Sample = null })]));
    }

    private HostFrame ProvisionalFrame(string hostId) =>
        new(0, clock.GetUtcNow(), null, hostId, HostStatus.Unreachable, null, connection.Error, []);

    [LoggerMessage(Level = LogLevel.Information, Message = "Following host {HostId} on silo {Silo}")]
    private partial void LogSubscribed(string hostId, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to host {HostId} failed: {Reason}")]
    private partial void LogSubscribeFailed(string hostId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading cluster membership failed: {Reason}")]
    private partial void LogMembershipReadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Window of {ContainerId} from host {HostId} failed: {Reason}")]
    private partial void LogWindowFailed(string containerId, string hostId, string reason);

    /// <summary>
    /// The observer the host grains call: passes frames of hosts this Api follows. A silo declared dead can still push
    /// a frame or two before it learns so (a frozen one that thaws), and must not show its host up again.
    /// </summary>
    private sealed class FollowedHostsGate(LiveFrames frames, Func<string, bool> isFollowed) : IHostFrameObserver
    {
        public Task OnFrame(HostFrame frame)
        {
            ArgumentNullException.ThrowIfNull(frame);
            // Through OnFrame, not Publish: it records when the frame arrived (the silence rule reads it) and drops overtaken frames.
            return isFollowed(frame.HostId) ? frames.OnFrame(frame) : Task.CompletedTask;
        }
    }

    /// <summary>This Api's subscription to one host grain.</summary>
    private sealed class Subscription(string hostId)
    {
        public string HostId { get; } = hostId;

        public SiloAddress? Silo { get; set; }

        public bool Active { get; set; }

        public DateTimeOffset SubscribedAt { get; set; }
    }
}
