namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>Facts about one Docker host, keyed by the daemon ID from <c>/info</c> (names are not unique).</summary>
public sealed record HostInfo(
    string HostId,
    string Name,
    int Cpus,
    long MemoryTotalBytes,
    string OperatingSystem,
    string KernelVersion,
    string DockerVersion,
    string ApiVersion,
    string CgroupVersion,
    string CgroupDriver,
    string StatsSource);
