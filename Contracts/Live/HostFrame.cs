using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Live;

/// <summary>
/// The whole live state of one host at one second: every frame is a full snapshot, so a subscriber that
/// missed frames (slow, reconnected) is right again with the next one.
/// </summary>
public sealed record HostFrame(
    long Sequence,
    DateTimeOffset Timestamp,
    HostInfo? Host,
    string HostId,
    string Status,
    DateTimeOffset? LastSeen,
    string? Error,
    IReadOnlyList<ContainerLive> Containers);

/// <summary>A container's metadata with its latest sample (null until two readings exist or when not running).</summary>
public sealed record ContainerLive(ContainerInfo Container, ContainerSample? Sample);
