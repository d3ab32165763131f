using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Live;

/// <summary>
/// The whole live state of one host at one second: every frame is a full snapshot, so a subscriber that
/// missed frames (slow, reconnected) is right again with the next one.
/// </summary>
/// <param name="Sequence">Increases by one per frame of this host grain activation.</param>
/// <param name="Host">Null while the daemon has never answered.</param>
/// <param name="Status">One of <see cref="HostStatus"/>.</param>
/// <param name="LastSeen">When the daemon last answered its silo.</param>
/// <param name="Error">Why the host is not up, in one line; null when up.</param>
/// <param name="Snapshot">
/// True on the first frame of each host in a hub stream (the state when the stream began, or when the host first
/// appeared in it); false on every later update. Host grains never set it.
/// </param>
/// <param name="Totals">The host's totals over its containers (see <see cref="HostTotals"/>).</param>
/// <param name="SamplingDuration">How long this frame's sampling pass took (every container read at once); the monitor's own cost. Not part of the JSON contract.</param>
[GenerateSerializer, Immutable]
public sealed record HostFrame(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset Timestamp,
    [property: Id(2)] HostInfo? Host,
    [property: Id(3)] string HostId,
    [property: Id(4)] string Status,
    [property: Id(5)] DateTimeOffset? LastSeen,
    [property: Id(6)] string? Error,
    [property: Id(7)] ImmutableArray<ContainerLive> Containers,
    [property: Id(8)] bool Snapshot = false,
    [property: Id(9)] HostTotals? Totals = null,
    [property: Id(10), JsonIgnore] TimeSpan? SamplingDuration = null);

/// <summary>A container's metadata with its latest sample (null until two readings exist or when not running).</summary>
/// <param name="NetworkNamespace">
/// Whose network namespace the sample's network counters come from (see <see cref="ContainerTarget.NetworkNamespace"/>):
/// containers with the same value count the same traffic, so sums take it once. Null when the network is not measured
/// or the container does not run.
/// </param>
/// <param name="Counters">The raw counters of the latest reading (null when not running); for the Prometheus exposition, not part of the JSON contract.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerLive(
    [property: Id(0)] ContainerInfo Container,
    [property: Id(1)] ContainerSample? Sample,
    [property: Id(2)] string? NetworkNamespace = null,
    [property: Id(3), JsonIgnore] ContainerCounters? Counters = null);
