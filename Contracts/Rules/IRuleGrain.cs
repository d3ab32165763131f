using Orleans.Concurrency;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>
/// One rule (key: its name). Loads its definition from the store when it activates and evaluates it every
/// <c>Rules:EvaluationInterval</c> while the rule exists, with no request needed: a timer keeps it alive and every
/// silo's rule keeper pings every stored rule, so a rule whose silo died starts again within seconds.
/// </summary>
public interface IRuleGrain : IGrainWithStringKey
{
    /// <summary>The rule was created or replaced (already stored): evaluate it from now on; the state starts over when the definition changed.</summary>
    Task SetAsync(RuleDefinition definition);

    /// <summary>The rule was deleted (already removed from the store): resolve its open alert and stop.</summary>
    Task DeleteAsync();

    /// <summary>The latest evaluation; answered while an evaluation waits for its hosts.</summary>
    [AlwaysInterleave]
    Task<RuleStatus> GetStatusAsync();

    /// <summary>Activates the grain (loading the stored rule); a rule no longer stored deactivates.</summary>
    [AlwaysInterleave]
    Task PingAsync();
}

/// <summary>
/// The cluster's alert feed (one grain, key <see cref="Key"/>): the firing alerts and a push of every change to
/// subscribed Apis, plus the receivers' delivery status that the silos report.
/// </summary>
public interface IAlertFeedGrain : IGrainWithStringKey
{
    /// <summary>The one key.</summary>
    const string Key = "alerts";

    /// <summary>An alert opened, changed or resolved (already stored): pushed to every observer.</summary>
    Task PublishAsync(Alert alert);

    /// <summary>The alerts firing now (loaded from the store when the grain activates).</summary>
    Task<System.Collections.Immutable.ImmutableArray<Alert>> GetFiringAsync();

    /// <summary>Pushes every change to <paramref name="observer"/> until it unsubscribes or its subscription expires (60 s: subscribe again well before).</summary>
    Task SubscribeAsync(IAlertObserver observer);

    Task UnsubscribeAsync(IAlertObserver observer);

    /// <summary>A silo's receiver fared well or badly.</summary>
    Task ReportReceiverAsync(ReceiverStatus status);

    /// <summary>Every receiver's latest status, per silo that sends.</summary>
    Task<System.Collections.Immutable.ImmutableArray<ReceiverStatus>> GetReceiversAsync();
}

/// <summary>An Api's subscription to alert changes.</summary>
public interface IAlertObserver : IGrainObserver
{
    [OneWay]
    Task OnAlert(Alert alert);
}
