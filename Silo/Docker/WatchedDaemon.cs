using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.Silo.Docker;

/// <summary>The Docker daemon this silo watches, learned from <c>GET /info</c> before the silo joins the cluster.</summary>
/// <param name="Info">The daemon's facts at start; <see cref="HostInfo.HostId"/> is the daemon ID the silo declares.</param>
public sealed record WatchedDaemon(HostInfo Info)
{
    public string HostId => Info.HostId;
}
