using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// A host with its liveness and its totals over every container that holds the resource (running and paused), network
/// counted once per namespace; <see cref="NetRxBytesPerSecond"/> and <see cref="NetTxBytesPerSecond"/> are null when no
/// container's network is measured.
/// </summary>
public sealed record HostSummary(
    HostInfo? Host,
    string HostId,
    string Status,
    DateTimeOffset? LastSeen,
    string? Error,
    int ContainersRunning,
    int ContainersTotal,
    double CpuPercent,
    long MemoryUsedBytes,
    double? NetRxBytesPerSecond = null,
    double? NetTxBytesPerSecond = null,
    double BlockReadBytesPerSecond = 0,
    double BlockWriteBytesPerSecond = 0,
    long Pids = 0);

/// <summary>
/// One step of a host's history, summed over its containers; network bytes count each network namespace once and
/// are null when no container's network was measured.
/// </summary>
public sealed record HostHistoryPoint(
    DateTimeOffset Minute,
    int Containers,
    double CpuPercentAvg,
    double CpuPercentMax,
    long MemoryUsedBytesAvg,
    long MemoryUsedBytesMax,
    long? NetRxBytes,
    long? NetTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes,
    long CpuTimeNanoseconds = 0);

/// <param name="Resolution">The rows the points were built from: <c>minute</c> (minute rows) or <c>hour</c> (hourly rollups).</param>
public sealed record HostHistory(string HostId, DateTimeOffset From, DateTimeOffset To, string Step, IReadOnlyList<HostHistoryPoint> Points, string Resolution = "minute");

/// <param name="Resolution">The rows the points were built from: <c>minute</c> (minute rows) or <c>hour</c> (hourly rollups).</param>
public sealed record ContainerHistory(string ContainerId, DateTimeOffset From, DateTimeOffset To, string Step, IReadOnlyList<MinuteAggregate> Points, string Resolution = "minute");

public sealed record ContainerLiveWindow(string ContainerId, int Seconds, IReadOnlyList<SamplePoint> Points);

/// <summary>A container's recorded events in [<see cref="From"/>, <see cref="To"/>), newest first; a null bound is open.</summary>
public sealed record ContainerEventList(string ContainerId, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<ContainerEvent> Events);
