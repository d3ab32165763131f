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
/// starts its <c>for</c> over, since the condition is no longer known to have held throughout. A condition that holds
/// the other way (from above <c>above</c> to below <c>below</c>, as a service going idle after its load) is a new
/// condition: the old one has cleared (a firing rule resolves) and the new one must hold for <c>for</c> on its own.
/// </summary>
public sealed class RuleTracker(TimeSpan holdFor)
{
    private DateTimeOffset? _since;
    private int _direction;

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
    /// <param name="condition">The evaluation's condition.</param>
    /// <param name="now">When it was evaluated.</param>
    /// <param name="direction">While it holds: +1 above <c>above</c>, -1 below <c>below</c>; 0 when not told.</param>
    public AlertTransition Observe(RuleCondition condition, DateTimeOffset now, int direction = 0)
    {
        switch (condition)
        {
            case RuleCondition.Holds when _since is not null && _direction != 0 && direction != 0 && direction != _direction:
                // Held the other way: the old condition cleared between two evaluations; the new one starts its `for` now.
                var firedTheOtherWay = Firing;
                _since = now;
                _direction = direction;
                if (firedTheOtherWay)
                {
                    // With `for` 0 the new condition fires at the next evaluation.
                    State = RuleStates.Pending;
                    return AlertTransition.Resolve;
                }

                if (holdFor <= TimeSpan.Zero)
                {
                    return Fire();
                }

                State = RuleStates.Pending;
                return AlertTransition.None;
            case RuleCondition.Holds:
                _since ??= now;
                _direction = direction;
                if (!Firing && now - _since.Value >= holdFor)
                {
                    return Fire();
                }

                if (!Firing)
                {
                    State = RuleStates.Pending;
                }

                return AlertTransition.None;
            case RuleCondition.Clear:
                var wasFiring = Firing;
                _since = null;
                _direction = 0;
                State = RuleStates.Ok;
                return wasFiring ? AlertTransition.Resolve : AlertTransition.None;
            default:
                // Continuity is no longer known: a pending rule starts its `for` over, a firing one stays firing.
                if (!Firing)
                {
                    _since = null;
                    _direction = 0;
                    State = RuleStates.Ok;
                }

                return AlertTransition.None;
        }
    }

    private AlertTransition Fire()
    {
        State = RuleStates.Firing;
        return AlertTransition.Fire;
    }
}
