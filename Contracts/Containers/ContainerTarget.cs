namespace Orleans.Monitor.Contracts.Containers;

/// <summary>What a stats source needs to find a running container: its id, host PID (<c>State.Pid</c>) and start time.</summary>
/// <param name="StartedAt">Part of the identity: counters reset when a container restarts.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerTarget(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] int Pid,
    [property: Id(2)] DateTimeOffset StartedAt);
