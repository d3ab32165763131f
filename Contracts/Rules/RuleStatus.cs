namespace Orleans.Monitor.Contracts.Rules;

/// <summary>The states of a rule, as <c>GET /api/rules</c> writes them.</summary>
public static class RuleStates
{
    /// <summary>Evaluated, the condition does not hold.</summary>
    public const string Ok = "ok";

    /// <summary>The condition holds, not yet for the rule's <c>for</c>.</summary>
    public const string Pending = "pending";

    /// <summary>The condition has held for <c>for</c>: the alert is open.</summary>
    public const string Firing = "firing";

    /// <summary>The rule could not be evaluated (a host down, nothing selected, not evaluated yet): see the reason.</summary>
    public const string Unknown = "unknown";
}

/// <summary>A rule's latest evaluation.</summary>
/// <param name="State">One of <see cref="RuleStates"/>.</param>
/// <param name="Value">The aggregated value in the metric's unit; null when unknown or no selected container runs.</param>
/// <param name="Reason">Why the state is unknown (names the host or says nothing is selected), or a note on an ok; null otherwise.</param>
/// <param name="EvaluatedAt">When the last evaluation ended; null before the first.</param>
/// <param name="Since">When the condition began to hold without a break (pending and firing); null otherwise.</param>
/// <param name="Containers">How many running containers the value covers.</param>
/// <param name="EvaluationMilliseconds">How long the last evaluation took, reading every host's windows included.</param>
[GenerateSerializer, Immutable]
public sealed record RuleStatus(
    [property: Id(0)] string State,
    [property: Id(1)] double? Value,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset? EvaluatedAt,
    [property: Id(4)] DateTimeOffset? Since = null,
    [property: Id(5)] int Containers = 0,
    [property: Id(6)] double? EvaluationMilliseconds = null)
{
    /// <summary>The status of a rule not evaluated yet.</summary>
    public static readonly RuleStatus NotEvaluated = new(RuleStates.Unknown, null, "not evaluated yet", null);
}
