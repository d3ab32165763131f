namespace Orleans.Monitor.Contracts.Scaling;

/// <summary>
/// A rule's <c>scale</c> block: the bounds and pace of replica changes of one Swarm service.
/// </summary>
/// <param name="Min">Fewest replicas a scale-down may leave (at least 0).</param>
/// <param name="Max">Most replicas a scale-up may set (at least <paramref name="Min"/>).</param>
/// <param name="Step">Replicas added by a scale-up or removed by a scale-down (at least 1).</param>
/// <param name="Cooldown">Least time between two applied changes of the same service.</param>
[GenerateSerializer, Immutable]
public sealed record ScaleLimits(
    [property: Id(0)] int Min,
    [property: Id(1)] int Max,
    [property: Id(2)] int Step,
    [property: Id(3)] TimeSpan Cooldown);
