using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// This Api's view of the cluster's alerts: it subscribes to the <see cref="IAlertFeedGrain"/> (again every 20 s, as
/// observers expire) and fans every change out to the hub's <c>WatchAlerts()</c> streams. Several Apis each hold their
/// own subscription, so every change reaches every Api.
/// </summary>
public sealed partial class AlertFeed(ClusterConnection connection, TimeProvider clock, ILogger<AlertFeed> logger)
    : BackgroundService, IAlertObserver
{
    private static readonly TimeSpan ResubscribeInterval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Alert> _firing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Channel<Alert>, byte> _subscribers = new();
    private IAlertObserver? _reference;

    /// <summary>The alerts firing now, oldest first, as this Api last heard.</summary>
    public ImmutableArray<Alert> Firing => [.. _firing.Values.OrderBy(a => a.StartsAt)];

    /// <summary>A change from the alert feed grain (one-way).</summary>
    public Task OnAlert(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        Apply(alert, push: true);
        return Task.CompletedTask;
    }

    /// <summary>The firing alerts first, then every change, until cancelled.</summary>
    public async IAsyncEnumerable<Alert> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Alert>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _subscribers.TryAdd(channel, 0);
        try
        {
            foreach (var alert in Firing)
            {
                yield return alert;
            }

            await foreach (var alert in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return alert;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
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

        // Observers are held weakly by the runtime: the reference is a field of this singleton.
        _reference = grains.CreateObjectReference<IAlertObserver>(this);
        var feed = grains.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.Key);
        using var timer = new PeriodicTimer(ResubscribeInterval, clock);
        do
        {
            try
            {
                await feed.SubscribeAsync(_reference).WaitAsync(CallTimeout, clock, stoppingToken);
                // Changes missed while unsubscribed (the feed's silo died): the firing set is the truth.
                var firing = await feed.GetFiringAsync().WaitAsync(CallTimeout, clock, stoppingToken);
                Reconcile(firing);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSubscribeFailed(ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
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

    private void Reconcile(ImmutableArray<Alert> firing)
    {
        var ids = firing.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var alert in firing)
        {
            if (!_firing.ContainsKey(alert.Id))
            {
                Apply(alert, push: true);
            }
        }

        foreach (var gone in _firing.Keys.Where(id => !ids.Contains(id)).ToList())
        {
            // Resolved while this Api did not hear: the store has its end; drop it from the banner.
            _firing.TryRemove(gone, out _);
        }
    }

    private void Apply(Alert alert, bool push)
    {
        if (alert.State == AlertStates.Firing)
        {
            _firing[alert.Id] = alert;
        }
        else
        {
            _firing.TryRemove(alert.Id, out _);
        }

        if (push)
        {
            foreach (var subscriber in _subscribers.Keys)
            {
                subscriber.Writer.TryWrite(alert);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the cluster's alert feed: {Error}")]
    private partial void LogSubscribeFailed(string error);
}
