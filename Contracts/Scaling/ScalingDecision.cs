namespace Orleans.Monitor.Contracts.Scaling;

/// <summary>
/// One scaling decision as <c>GET /api/scaling</c> lists it: applied, or blocked by min, max, cooldown or the
/// setting <c>Autoscale:Enabled</c>, or failed at the Engine API.
/// </summary>
/// <param name="Service">The Swarm service name.</param>
/// <param name="At">When the decision was taken.</param>
/// <param name="From">Replicas before.</param>
/// <param name="To">Replicas asked for; equal to <paramref name="From"/> when blocked or failed.</param>
/// <param name="Rule">The rule that asked.</param>
/// <param name="Value">The rule's value that held, in the metric's unit.</param>
/// <param name="Outcome"><c>scaled</c>, <c>blocked-min</c>, <c>blocked-max</c>, <c>blocked-cooldown</c>, <c>disabled</c> or <c>failed</c>.</param>
/// <param name="Detail">Why it was blocked or failed, in words; null when scaled.</param>
[GenerateSerializer, Immutable]
public sealed record ScalingDecision(
    [property: Id(0)] string Service,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] int From,
    [property: Id(3)] int To,
    [property: Id(4)] string Rule,
    [property: Id(5)] double Value,
    [property: Id(6)] string Outcome,
    [property: Id(7)] string? Detail);
