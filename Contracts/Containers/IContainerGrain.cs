using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Containers;

/// <summary>
/// One container: samples it, keeps its rolling window of 1-second samples and closes its minutes. Key:
/// <c>{daemon ID}/{container id}</c> (<see cref="Placement.GrainKeys.Container"/>); it activates only on its host's silo.
/// </summary>
public interface IContainerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes one sample and returns the container's live state. The host grain asks all its containers at once, once
    /// per interval, and builds its frame from the answers. The assignment comes with every call, so an activation
    /// that was collected or deactivated after read failures resumes on the next call. A new
    /// <see cref="ContainerAssignment.Target"/> (another PID or start time) means a restart: counters start over.
    /// </summary>
    Task<ContainerLive> SampleAsync(ContainerAssignment assignment);

    /// <summary>The last <paramref name="seconds"/> of 1-second samples, oldest first (at most the window, 600 by default).</summary>
    Task<ImmutableArray<SamplePoint>> GetWindowAsync(int seconds);

    /// <summary>The container was destroyed: close the open minute, store the removal, deactivate.</summary>
    Task RemoveAsync(ContainerInfo removed);
}

/// <summary>What the host grain tells a container grain each interval.</summary>
/// <param name="Target">Null when the container is not running.</param>
/// <param name="HostMemoryTotalBytes">The host's memory in bytes: the memory limit of a container without one, as <c>docker stats</c> shows.</param>
/// <param name="StartObserved">
/// The monitor saw <see cref="Target"/>'s run begin (it started after the host watch began, or the container was known
/// stopped or with an older start before), so its counters count from zero: the first minute holds everything since the
/// start. False for a run that was under way when the monitor came, and once the run has been sampled, so a container
/// grain that activates again does not count the run twice.
/// </param>
[GenerateSerializer, Immutable]
public sealed record ContainerAssignment(
    [property: Id(0)] ContainerInfo Info,
    [property: Id(1)] ContainerTarget? Target,
    [property: Id(2)] long HostMemoryTotalBytes,
    [property: Id(3)] bool StartObserved = false);
