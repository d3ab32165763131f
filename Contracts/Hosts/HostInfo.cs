namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>Facts about one Docker host, keyed by the daemon ID from <c>/info</c> (names are not unique).</summary>
/// <param name="HostId">The Docker daemon ID (<c>ID</c> of <c>GET /info</c>); the key of the host everywhere.</param>
/// <param name="MemoryTotalBytes">Physical memory of the host in bytes (<c>MemTotal</c> of <c>/info</c>).</param>
/// <param name="StatsSource">Where container counters come from: <c>cgroup</c> or <c>docker-api</c>.</param>
/// <param name="SwarmNodeId">The Swarm node ID (<c>Swarm.NodeID</c> of <c>/info</c>); null when the daemon is in no swarm.</param>
/// <param name="SwarmManager">True when the daemon is an active Swarm node with <c>Swarm.ControlAvailable</c>: a manager, which can update services.</param>
/// <param name="SwarmControlAvailable"><c>Swarm.ControlAvailable</c> of <c>/info</c> as the daemon reported it.</param>
/// <param name="SwarmClusterId">The swarm's cluster ID (<c>Swarm.Cluster.ID</c>, managers only); null otherwise.</param>
[GenerateSerializer, Immutable]
public sealed record HostInfo(
    [property: Id(0)] string HostId,
    [property: Id(1)] string Name,
    [property: Id(2)] int Cpus,
    [property: Id(3)] long MemoryTotalBytes,
    [property: Id(4)] string OperatingSystem,
    [property: Id(5)] string KernelVersion,
    [property: Id(6)] string DockerVersion,
    [property: Id(7)] string ApiVersion,
    [property: Id(8)] string CgroupVersion,
    [property: Id(9)] string CgroupDriver,
    [property: Id(10)] string StatsSource,
    [property: Id(11)] string? SwarmNodeId = null,
    [property: Id(12)] bool SwarmManager = false,
    [property: Id(13)] bool SwarmControlAvailable = false,
    [property: Id(14)] string? SwarmClusterId = null);
