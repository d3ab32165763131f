using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>One selected container's recent samples, as its host grain returns them to a rule.</summary>
/// <param name="ContainerId">The full container id.</param>
/// <param name="Name">The container name.</param>
/// <param name="Running">Whether it runs now; a stopped container's points are left out.</param>
/// <param name="MemoryLimitBytes">Its memory limit, or the host's memory without one (for <c>memoryPercent</c>).</param>
/// <param name="Points">The last seconds asked for, oldest first; empty when not running.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerWindow(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] string Name,
    [property: Id(2)] bool Running,
    [property: Id(3)] long MemoryLimitBytes,
    [property: Id(4)] ImmutableArray<SamplePoint> Points);

/// <summary>A host's answer to a rule: the windows of its selected containers, or why it cannot answer.</summary>
/// <param name="HostId">The daemon ID.</param>
/// <param name="Reachable">False when the silo cannot reach its Docker daemon: its windows are not current.</param>
/// <param name="Reason">Why it is not reachable; null when it is.</param>
/// <param name="Containers">Every selected container of the host, running or not.</param>
[GenerateSerializer, Immutable]
public sealed record HostWindows(
    [property: Id(0)] string HostId,
    [property: Id(1)] bool Reachable,
    [property: Id(2)] string? Reason,
    [property: Id(3)] ImmutableArray<ContainerWindow> Containers);
