using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Runtime;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>One Docker host, keyed by the daemon ID from <c>/info</c>: follows its events and owns its container grains.</summary>
public interface IHostGrain : IGrainWithStringKey
{
    /// <summary>Begins (or resumes) watching with the host's facts; idempotent.</summary>
    Task StartAsync(HostInfo info);

    Task OnDockerEventAsync(DockerEvent dockerEvent);

    /// <summary>Lists containers and makes the grains agree with Docker; <paramref name="full"/> re-inspects every one.</summary>
    Task ReconcileAsync(bool full);

    /// <summary>The events stream broke: the daemon is unreachable until it answers again.</summary>
    Task DaemonLostAsync(string reason);

    /// <summary>The daemon answers again (after a restart or a network fault).</summary>
    Task DaemonBackAsync(HostInfo info);
}
