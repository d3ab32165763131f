using Orleans.Monitor.Contracts.Scaling;

namespace Orleans.Monitor.Grains.Scaling;

/// <summary>The Swarm service operations a decision needs; in the cluster, a manager's <see cref="ISwarmServiceGrain"/>.</summary>
public interface ISwarmServiceOperations
{
    /// <summary>Current replicas, read-only.</summary>
    Task<int> ReplicasAsync(string service);

    /// <summary>Moves the replicas one step within the bounds (see <see cref="ISwarmServiceGrain.ScaleAsync"/>).</summary>
    Task<SwarmScaleResult> ScaleAsync(string service, ScaleDirection direction, ScaleLimits limits);
}

/// <summary>
/// The decisions of one Swarm service: cooldown since the last applied change, then min/max through the manager,
/// with every outcome of <see cref="ScalingDecision"/>. It also says which decisions to record: every applied one,
/// and any other only when its outcome differs from the last recorded one, since a rule asks every evaluation (5 s)
/// while its condition holds and an unchanged "blocked-max" would otherwise be written each time.
/// </summary>
/// <param name="clock">The decision times (a fake one in tests).</param>
public sealed class ScalingDecider(TimeProvider clock)
{
    private DateTimeOffset? _lastApplied;
    private int? _lastReplicas;
    private string? _lastRecordedOutcome;

    /// <summary>When the last applied change was made, if known.</summary>
    public DateTimeOffset? LastApplied => _lastApplied;

    /// <summary>
    /// Restores what the store remembers (newest first): the last applied change keeps the cooldown across
    /// reactivations, the newest outcome keeps an unchanged blocked decision from being written again.
    /// </summary>
    public void Restore(IReadOnlyList<ScalingDecision> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        if (newestFirst.Count > 0)
        {
            _lastRecordedOutcome = newestFirst[0].Outcome;
            _lastReplicas = newestFirst[0].To;
        }

        var applied = newestFirst.FirstOrDefault(d => d.Outcome == ScalingPolicy.Scaled);
        if (applied is not null)
        {
            _lastApplied = applied.At;
        }
    }

    /// <summary>
    /// Decides on <paramref name="request"/>: <c>disabled</c> when <paramref name="enabled"/> is false (no update sent),
    /// <c>blocked-cooldown</c> within the cooldown (no Docker call), else what the manager did: <c>scaled</c>,
    /// <c>blocked-max</c>/<c>blocked-min</c>, or <c>failed</c> with the reason when it failed or none is reachable.
    /// </summary>
    /// <param name="manager">The manager's operations, or the reason none is reachable.</param>
    /// <returns>The decision, and whether it should be recorded.</returns>
    public async Task<(ScalingDecision Decision, bool Record)> DecideAsync(
        ScaleRequest request, bool enabled, Func<Task<ISwarmServiceOperations>> manager)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(manager);
        var now = clock.GetUtcNow();
        var decision = await DecideCoreAsync(request, enabled, manager, now);
        if (decision.Outcome == ScalingPolicy.Scaled)
        {
            _lastApplied = now;
        }

        _lastReplicas = decision.To;
        var record = decision.Outcome == ScalingPolicy.Scaled || decision.Outcome != _lastRecordedOutcome;
        return (decision, record);
    }

    /// <summary>Call once <paramref name="decision"/> is stored: later equal outcomes are not recorded again.</summary>
    public void Recorded(ScalingDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _lastRecordedOutcome = decision.Outcome;
    }

    private async Task<ScalingDecision> DecideCoreAsync(
        ScaleRequest request, bool enabled, Func<Task<ISwarmServiceOperations>> manager, DateTimeOffset now)
    {
        ScalingDecision Decision(int from, int to, string outcome, string? detail) =>
            new(request.Service, now, from, to, request.Rule, request.Value, outcome, detail);

        if (ScalingPolicy.Invalid(request.Limits) is { } invalid)
        {
            return Decision(_lastReplicas ?? 0, _lastReplicas ?? 0, ScalingPolicy.Failed, invalid);
        }

        var limits = request.Limits;
        if (!enabled)
        {
            // Read-only: the replicas the decision would have started from, when a manager answers.
            var replicas = await TryReplicasAsync(request.Service, manager);
            return Decision(replicas ?? 0, replicas ?? 0, ScalingPolicy.Disabled, "Autoscale:Enabled is false: no service update is sent");
        }

        if (ScalingPolicy.InCooldown(_lastApplied, now, limits.Cooldown))
        {
            var replicas = _lastReplicas ?? 0;
            return Decision(replicas, replicas, ScalingPolicy.BlockedCooldown, $"last change at {_lastApplied:O}, cooldown {limits.Cooldown}");
        }

        try
        {
            var operations = await manager();
            var result = await operations.ScaleAsync(request.Service, request.Direction, limits);
            if (result.Disabled)
            {
                return Decision(result.From, result.From, ScalingPolicy.Disabled, "Autoscale:Enabled is false on the Swarm manager's silo: no service update is sent");
            }

            if (result.Applied)
            {
                return Decision(result.From, result.To, ScalingPolicy.Scaled, null);
            }

            var outcome = ScalingPolicy.Blocked(request.Direction);
            var detail = outcome == ScalingPolicy.BlockedMax
                ? $"{result.From} replicas, max {limits.Max}"
                : $"{result.From} replicas, min {limits.Min}";
            return Decision(result.From, result.From, outcome, detail);
        }
        catch (Exception ex) when (ex is SwarmServiceException or OrleansException or TimeoutException or InvalidOperationException)
        {
            var replicas = _lastReplicas ?? 0;
            return Decision(replicas, replicas, ScalingPolicy.Failed, ex.Message);
        }
    }

    private static async Task<int?> TryReplicasAsync(string service, Func<Task<ISwarmServiceOperations>> manager)
    {
        try
        {
            var operations = await manager();
            return await operations.ReplicasAsync(service);
        }
        catch (Exception ex) when (ex is SwarmServiceException or OrleansException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }
}
