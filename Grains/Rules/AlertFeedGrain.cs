using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Utilities;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>
/// The cluster's alert feed: the firing alerts (read from the store on activation) and a one-way push of every change
/// to each Api's <see cref="IAlertObserver"/>, as host grains push frames. Also keeps the receivers' status that
/// silos report.
/// </summary>
public sealed partial class AlertFeedGrain(IRuleStore store, ILogger<AlertFeedGrain> logger) : Grain, IAlertFeedGrain
{
    /// <summary>Observers that stop re-subscribing are dropped after this long (Apis re-subscribe every 20 s).</summary>
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(60);

    private readonly ObserverManager<IAlertObserver> _observers = new(ObserverExpiry, logger);
    private readonly Dictionary<string, Alert> _firing = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Silo, string Receiver, string Url), ReceiverStatus> _receivers = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var firing = await store.GetAlertsAsync(new AlertQuery(AlertStates.Firing, null, null), cancellationToken);
            foreach (var alert in firing)
            {
                _firing[alert.Id] = alert;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The rules publish their firing alerts again as they evaluate; the feed must come up without the store.
            LogLoadFailed(ex);
        }
    }

    public async Task PublishAsync(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.State == AlertStates.Firing)
        {
            _firing[alert.Id] = alert;
        }
        else
        {
            _firing.Remove(alert.Id);
        }

        if (_observers.Count > 0)
        {
            await _observers.Notify(o => o.OnAlert(alert));
        }
    }

    public Task<ImmutableArray<Alert>> GetFiringAsync() =>
        Task.FromResult(_firing.Values.OrderBy(a => a.StartsAt).ToImmutableArray());

    public Task SubscribeAsync(IAlertObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IAlertObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task ReportReceiverAsync(ReceiverStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _receivers[(status.Silo, status.Receiver, status.Url)] = status;
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<ReceiverStatus>> GetReceiversAsync() =>
        Task.FromResult(_receivers.Values.OrderBy(r => r.Receiver, StringComparer.Ordinal).ThenBy(r => r.Url, StringComparer.Ordinal).ThenBy(r => r.Silo, StringComparer.Ordinal).ToImmutableArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert feed could not read the firing alerts from the store")]
    private partial void LogLoadFailed(Exception exception);
}
