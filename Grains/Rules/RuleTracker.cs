using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>What an evaluation changed for the rule's alert.</summary>
public enum AlertTransition
{
    None,

    /// <summary>The condition has now held for <c>for</c>: open an alert.</summary>
    Fire,

    /// <summary>The condition cleared while firing: resolve the alert.</summary>
    Resolve,
}

/// <summary>
/// A rule's <c>for</c>: the condition must hold at every evaluation for <c>for</c> before the rule fires; a clear
/// evaluation starts over (and resolves a firing rule); an unknown one neither fires nor resolves, but a pending rule
/// starts its <c>for</c> over, since the condition is no longer known to have held throughout.
/// </summary>
public sealed class RuleTracker(TimeSpan holdFor)
{
    private DateTimeOffset? _since;

    /// <summary>ok, pending or firing (never unknown: that is the evaluation's, not the tracker's).</summary>
    public string State { get; private set; } = RuleStates.Ok;

    /// <summary>When the condition began to hold without a clear evaluation since; null while ok.</summary>
    public DateTimeOffset? Since => _since;

    /// <summary>Whether the rule is firing.</summary>
    public bool Firing => State == RuleStates.Firing;

    /// <summary>Continues a firing that began at <paramref name="since"/> (an open alert found in the store).</summary>
    public void Resume(DateTimeOffset since)
    {
        _since = since;
        State = RuleStates.Firing;
    }

    /// <summary>Takes one evaluation at <paramref name="now"/>.</summary>
    public AlertTransition Observe(RuleCondition condition, DateTimeOffset now)
    {
        switch (condition)
        {
            case RuleCondition.Holds:
                _since ??= now;
                if (!Firing && now - _since.Value >= holdFor)
                {
                    State = RuleStates.Firing;
                    return AlertTransition.Fire;
                }

                if (!Firing)
                {
                    State = RuleStates.Pending;
                }

                return AlertTransition.None;
            case RuleCondition.Clear:
                var wasFiring = Firing;
                _since = null;
                State = RuleStates.Ok;
                return wasFiring ? AlertTransition.Resolve : AlertTransition.None;
            default:
                // Continuity is no longer known: a pending rule starts its `for` over, a firing one stays firing.
                if (!Firing)
                {
                    _since = null;
                    State = RuleStates.Ok;
                }

                return AlertTransition.None;
        }
    }
}
