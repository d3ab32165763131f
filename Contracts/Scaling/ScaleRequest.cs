namespace Orleans.Monitor.Contracts.Scaling;

/// <summary>The direction a rule asks a Swarm service to move in.</summary>
public enum ScaleDirection
{
    /// <summary>The rule's <c>below</c> held for its <c>for</c>: remove <see cref="ScaleLimits.Step"/> replicas.</summary>
    Down = -1,

    /// <summary>The rule's <c>above</c> held for its <c>for</c>: add <see cref="ScaleLimits.Step"/> replicas.</summary>
    Up = 1,
}

/// <summary>
/// What a rule asks of <see cref="IServiceScalerGrain"/> each evaluation its condition has held for its <c>for</c>.
/// </summary>
/// <param name="Service">The Swarm service name (label <c>com.docker.swarm.service.name</c>).</param>
/// <param name="Direction">Up for <c>above</c>, down for <c>below</c>.</param>
/// <param name="Limits">The rule's <c>scale</c> block.</param>
/// <param name="Rule">The rule's name, recorded with the decision.</param>
/// <param name="Value">The rule's aggregated value that held, in the metric's unit.</param>
/// <param name="At">When the rule evaluated it.</param>
[GenerateSerializer, Immutable]
public sealed record ScaleRequest(
    [property: Id(0)] string Service,
    [property: Id(1)] ScaleDirection Direction,
    [property: Id(2)] ScaleLimits Limits,
    [property: Id(3)] string Rule,
    [property: Id(4)] double Value,
    [property: Id(5)] DateTimeOffset At);
