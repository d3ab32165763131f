namespace Orleans.Monitor.Contracts.Containers;

/// <summary>What a stats source needs to find a running container: its id, host PID (<c>State.Pid</c>) and start time.</summary>
/// <param name="StartedAt">Part of the identity: counters reset when a container restarts.</param>
/// <param name="NetworkNamespace">
/// The network namespace whose interfaces Docker counts for this container, named by the container that owns it: its
/// own id, or X's for <c>--network container:X</c>. Null for <c>--network host</c> and <c>none</c>, where Docker measures
/// no network. Containers with the same value share one set of counters, which host totals count once.
/// </param>
[GenerateSerializer, Immutable]
public sealed record ContainerTarget(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] int Pid,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] string? NetworkNamespace = null);
