using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Api.Rest;

/// <summary>The wire values of a service's kind, a public contract of <c>/api/services</c>.</summary>
public static class ServiceKind
{
    /// <summary>A Docker Compose service: containers labelled with the same project and service, named <c>project/service</c>.</summary>
    public const string Compose = "compose";

    /// <summary>A Swarm service: task containers labelled with the same <c>com.docker.swarm.service.name</c>.</summary>
    public const string Swarm = "swarm";
}

/// <summary>
/// A service's current aggregate over its members on every host: sums of the latest samples (network counted once per
/// network namespace; null when no member's network is measured), running and total counts, and the worst health
/// (<c>unhealthy</c> before <c>starting</c> before <c>healthy</c>; null when no member has a health check).
/// <see cref="Incomplete"/> is true when a host of a member is down or unreachable: its members are listed without
/// samples and the sums leave them out; <see cref="MissingHosts"/> names those hosts.
/// </summary>
public sealed record ServiceSummary(
    string Kind,
    string Name,
    int ContainersRunning,
    int ContainersTotal,
    double CpuPercent,
    long MemoryUsedBytes,
    double? NetRxBytesPerSecond,
    double? NetTxBytesPerSecond,
    double BlockReadBytesPerSecond,
    double BlockWriteBytesPerSecond,
    long Pids,
    string? Health,
    IReadOnlyList<ServiceHost> Hosts,
    bool Incomplete,
    IReadOnlyList<string> MissingHosts);

/// <summary>A host that runs members of a service, with its liveness and how many of the members it holds.</summary>
public sealed record ServiceHost(string HostId, string? Name, string Status, string? Error, int ContainersRunning, int ContainersTotal);

/// <summary>
/// One container of a service with its host and its latest sample (null until two readings exist, when it does not run,
/// or when its host is down or unreachable).
/// </summary>
/// <param name="NetworkNamespace">Whose network namespace the sample's network counters come from; members with the same value count once.</param>
public sealed record ServiceMember(
    string HostId,
    string? HostName,
    string HostStatus,
    ContainerInfo Container,
    ContainerSample? Sample,
    string? NetworkNamespace);

/// <summary>A service's aggregate and its members, ordered by host name, host id, then container name.</summary>
public sealed record ServiceDetail(ServiceSummary Service, IReadOnlyList<ServiceMember> Members);

/// <summary>
/// A service's history: per step, the sum over the minute rows of every container that belongs or belonged to it
/// (<see cref="Containers"/>), as a host's history sums its containers. <see cref="Scaling"/>: a Swarm service's
/// recorded scaling decisions in the same range, newest first (at most 1000), to annotate its charts; null for Compose.
/// </summary>
public sealed record ServiceHistory(
    string Kind,
    string Name,
    DateTimeOffset From,
    DateTimeOffset To,
    string Step,
    IReadOnlyList<string> Containers,
    IReadOnlyList<HostHistoryPoint> Points,
    IReadOnlyList<ScalingDecisionItem>? Scaling = null,
    string Resolution = "minute");
