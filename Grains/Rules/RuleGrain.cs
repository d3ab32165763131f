using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Scaling;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>
/// One rule (key: its name). Every <see cref="RulesOptions.EvaluationInterval"/> it asks every host grain of the
/// cluster, in parallel, for the windows of the containers its selector selects, folds them into one value
/// (<see cref="RuleEvaluator"/>), applies <c>for</c> (<see cref="RuleTracker"/>), opens and resolves its alert and,
/// with a <c>scale</c> block, asks the service's <see cref="IServiceScalerGrain"/>. Any host it cannot read makes the
/// result unknown, which neither fires, resolves nor scales.
/// </summary>
public sealed partial class RuleGrain(
    IRuleStore store,
    IClusterMembershipService membership,
    TimeProvider clock,
    IOptions<RulesOptions> options,
    ILogger<RuleGrain> logger) : Grain, IRuleGrain
{
    /// <summary>Alertmanager drops an alert not re-sent within its resolve timeout (5 min by default): re-send each minute.</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromMinutes(1);

    private RuleDefinition? _rule;
    private RuleTracker _tracker = new(TimeSpan.Zero);
    private RuleStatus _status = RuleStatus.NotEvaluated;
    private Alert? _alert;
    private DateTimeOffset _lastSent;
    private IGrainTimer? _timer;
    private IAlertNotifier? _notifier;
    private string? _lastScaleError;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _notifier = ServiceProvider.GetService<IAlertNotifier>();
        var stored = await store.GetRuleAsync(Name, cancellationToken);
        if (stored is null)
        {
            DeactivateOnIdle();
            return;
        }

        // A rule that fired before its silo died keeps its open alert: resolved when the condition clears, not opened twice.
        var open = await store.GetAlertsAsync(new AlertQuery(AlertStates.Firing, null, null), cancellationToken);
        _alert = open.Where(a => a.Rule == Name).OrderByDescending(a => a.StartsAt).FirstOrDefault();
        Apply(stored.Definition);
        LogRuleActivated(Name, _alert is not null);
    }

    public Task SetAsync(RuleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition != _rule)
        {
            Apply(definition);
            _status = RuleStatus.NotEvaluated;
        }

        return Task.CompletedTask;
    }

    public async Task DeleteAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _rule = null;
        if (_alert is not null)
        {
            await ResolveAsync(_status.Value);
        }

        DeactivateOnIdle();
    }

    public Task<RuleStatus> GetStatusAsync() => Task.FromResult(_status);

    public Task PingAsync() => Task.CompletedTask;

    private void Apply(RuleDefinition definition)
    {
        _rule = definition;
        _tracker = new RuleTracker(definition.ForSpan);
        if (_alert is not null)
        {
            _tracker.Resume(_alert.StartsAt);
        }

        if (_timer is null)
        {
            var interval = options.Value.EvaluationInterval;
            _timer = this.RegisterGrainTimer(static (g, ct) => g.EvaluateAsync(ct), this, new GrainTimerCreationOptions(TimeSpan.Zero, interval) { KeepAlive = true });
        }
    }

    /// <summary>One evaluation: read, fold, apply <c>for</c>, then alert and scale.</summary>
    private async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        if (_rule is not { } rule)
        {
            return;
        }

        var started = clock.GetTimestamp();
        var answers = await ReadHostsAsync(rule, cancellationToken);
        var outcome = RuleEvaluator.Evaluate(rule, answers);
        var now = clock.GetUtcNow();
        var transition = _tracker.Observe(outcome.Condition, now, outcome.Direction);
        var elapsed = clock.GetElapsedTime(started);
        _status = new RuleStatus(
            outcome.Condition == RuleCondition.Unknown ? RuleStates.Unknown : _tracker.State,
            outcome.Value,
            outcome.Reason,
            now,
            _tracker.Since,
            outcome.Containers.Length,
            elapsed.TotalMilliseconds);

        switch (transition)
        {
            case AlertTransition.Fire:
                await FireAsync(rule, outcome, now);
                break;
            case AlertTransition.Resolve:
                await ResolveAsync(outcome.Value);
                break;
            default:
                // Open alerts are re-sent while unknown too: the alert is still open, and Alertmanager would resolve it.
                if (_alert is not null && now - _lastSent >= ResendInterval)
                {
                    _alert = _alert with { Value = outcome.Value ?? _alert.Value };
                    _lastSent = now;
                    await StoreAsync(_alert);
                    _notifier?.Notify(_alert, change: false);
                }

                break;
        }

        if (rule.Scale is { } scale && _tracker.Firing && outcome.Condition == RuleCondition.Holds)
        {
            await RequestScaleAsync(rule, scale, outcome, now);
        }
    }

    /// <summary>Every Docker host in membership, each read in parallel with its own timeout; a dead silo is a failed host.</summary>
    private async Task<IReadOnlyCollection<HostAnswer>> ReadHostsAsync(RuleDefinition rule, CancellationToken cancellationToken)
    {
        var hosts = membership.CurrentSnapshot.Members.Values
            .Select(m => (HostId: HostSiloName.HostIdOf(m.Name), Member: m))
            .Where(m => m.HostId is not null)
            .GroupBy(m => m.HostId!, StringComparer.Ordinal)
            // The active silo of a host, else its newest entry: a dead silo whose host has a new one is history.
            .Select(g => g.OrderByDescending(m => m.Member.Status == SiloStatus.Active).ThenByDescending(m => m.Member.SiloAddress.Generation).First())
            .ToList();
        var seconds = (int)Math.Ceiling(rule.WindowSpan.TotalSeconds);
        var timeout = options.Value.HostTimeout;
        var reads = hosts.Select(async h =>
        {
            if (h.Member.Status != SiloStatus.Active)
            {
                return new HostAnswer(h.HostId!, null, $"its silo {h.Member.Name} ({h.Member.SiloAddress}) is {h.Member.Status.ToString().ToLowerInvariant()} in Orleans membership");
            }

            try
            {
                var windows = await GrainFactory.GetGrain<IHostGrain>(h.HostId!).GetWindowsAsync(rule.Selector!, seconds).WaitAsync(timeout, clock, cancellationToken);
                return new HostAnswer(h.HostId!, windows);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var why = ex is TimeoutException ? $"no answer within {timeout.TotalSeconds:0.#} s" : ex.GetBaseException().Message;
                return new HostAnswer(h.HostId!, null, why);
            }
        });
        return await Task.WhenAll(reads);
    }

    private async Task FireAsync(RuleDefinition rule, RuleOutcome outcome, DateTimeOffset now)
    {
        var labels = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["selector"] = rule.Selector!.ToString(),
            ["hosts"] = string.Join(",", outcome.Hosts),
            ["containers"] = string.Join(",", outcome.Containers),
            ["metric"] = rule.Metric!,
            ["aggregate"] = rule.Aggregate!,
        });
        _alert = new Alert(Guid.NewGuid().ToString("N"), Name, rule.Severity, rule.Alert?.Summary, labels, outcome.Value, now, null, AlertStates.Firing);
        _lastSent = now;
        LogFiring(Name, outcome.Value, rule.Selector);
        await ChangedAsync(_alert);
    }

    private async Task ResolveAsync(double? value)
    {
        var resolved = _alert! with { EndsAt = clock.GetUtcNow(), State = AlertStates.Resolved, Value = value ?? _alert!.Value };
        _alert = null;
        LogResolved(Name, value);
        await ChangedAsync(resolved);
    }

    /// <summary>Stored, pushed to every Api and sent to the receivers; a failing store or feed is logged, not fatal.</summary>
    private async Task ChangedAsync(Alert alert)
    {
        await StoreAsync(alert);
        _notifier?.Notify(alert, change: true);
        try
        {
            await GrainFactory.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.Key).PublishAsync(alert).WaitAsync(options.Value.HostTimeout, clock);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Name);
        }
    }

    private async Task StoreAsync(Alert alert)
    {
        try
        {
            await store.PutAlertAsync(alert, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(ex, Name);
        }
    }

    /// <summary>The scaler applies min, max and cooldown; its failure (or its absence from the cluster) is logged, never fatal.</summary>
    private async Task RequestScaleAsync(RuleDefinition rule, RuleScale scale, RuleOutcome outcome, DateTimeOffset now)
    {
        var service = rule.Selector!.SwarmService!;
        var request = new ScaleRequest(service, outcome.Direction > 0 ? ScaleDirection.Up : ScaleDirection.Down, scale.ToLimits(), Name, outcome.Value ?? 0, now);
        try
        {
            var decision = await GrainFactory.GetGrain<IServiceScalerGrain>(service).RequestAsync(request).WaitAsync(options.Value.HostTimeout * 4, clock);
            LogScaleDecision(Name, service, decision.Outcome, decision.From, decision.To);
        }
        catch (Exception ex)
        {
            // Asked every evaluation while firing: the same failure is logged in full once, then briefly.
            var error = ex.GetBaseException().Message;
            if (error != _lastScaleError)
            {
                _lastScaleError = error;
                LogScaleFailed(ex, Name, service);
            }
            else
            {
                LogScaleFailedAgain(Name, service, error);
            }

            return;
        }

        _lastScaleError = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} evaluates (an open alert resumed: {Resumed})")]
    private partial void LogRuleActivated(string rule, bool resumed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} fires at {Value} over {Selector}")]
    private partial void LogFiring(string rule, double? value, RuleSelector selector);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} resolved at {Value}")]
    private partial void LogResolved(string rule, double? value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule}: the alert could not be pushed to the alert feed")]
    private partial void LogPublishFailed(Exception exception, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule}: the alert could not be stored")]
    private partial void LogStoreFailed(Exception exception, string rule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule}: scaler of {Service} decided {Outcome} ({From} -> {To})")]
    private partial void LogScaleDecision(string rule, string service, string outcome, int from, int to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule}: the scale request for service {Service} failed")]
    private partial void LogScaleFailed(Exception exception, string rule, string service);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rule {Rule}: the scale request for service {Service} failed again: {Error}")]
    private partial void LogScaleFailedAgain(string rule, string service, string error);
}
