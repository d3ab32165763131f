using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.Grains.Containers;

/// <summary>One container: samples it, keeps its rolling window and closes its minutes. Key: the container id.</summary>
public interface IContainerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the container's latest metadata and where to read it. A new <see cref="ContainerTarget"/>
    /// (another PID or start time) means the container restarted: counters start over.
    /// </summary>
    Task ApplyAsync(ContainerAssignment assignment);

    /// <summary>The container was destroyed: close the open minute, leave the live board, deactivate.</summary>
    Task RemoveAsync(ContainerInfo removed);

    Task<IReadOnlyList<SamplePoint>> GetWindowAsync(int seconds);

    /// <summary>
    /// Takes one sample. The host grain asks all its containers at once, once per interval, so a host's samples land
    /// together and its frame goes out right after them, instead of every grain waking on a timer of its own.
    /// </summary>
    Task SampleAsync();
}

/// <summary>What the host grain tells a container grain.</summary>
/// <param name="Target">Null when the container is not running.</param>
public sealed record ContainerAssignment(ContainerInfo Info, ContainerTarget? Target, long HostMemoryTotalBytes);
