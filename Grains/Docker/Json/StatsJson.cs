using System.Text.Json.Serialization;

namespace Orleans.Monitor.Grains.Docker.Json;

// One frame of GET /containers/{id}/stats (v1, v2 and Windows shapes), reduced to what CounterReading needs.
// Counters are ulong: some cgroup fields exceed 2^63.

internal sealed record StatsJson(
    DateTimeOffset Read,
    DateTimeOffset Preread,
    string? Name,
    string? Id,
    string? OsType,
    uint NumProcs,
    CpuStatsJson? CpuStats,
    CpuStatsJson? PrecpuStats,
    MemoryStatsJson? MemoryStats,
    PidsStatsJson? PidsStats,
    BlkioStatsJson? BlkioStats,
    StorageStatsJson? StorageStats,
    IReadOnlyDictionary<string, NetworkStatsJson>? Networks);

internal sealed record CpuStatsJson(
    CpuUsageJson? CpuUsage,
    ulong SystemCpuUsage,
    uint OnlineCpus,
    ThrottlingJson? ThrottlingData);

internal sealed record CpuUsageJson(
    ulong TotalUsage,
    ulong[]? PercpuUsage,
    ulong UsageInKernelmode,
    ulong UsageInUsermode);

internal sealed record ThrottlingJson(ulong Periods, ulong ThrottledPeriods, ulong ThrottledTime);

internal sealed record MemoryStatsJson(
    ulong Usage,
    ulong Limit,
    MemoryStatJson? Stats,
    ulong Privateworkingset);

/// <summary>
/// Only the keys the used-memory formula needs; <see cref="TotalInactiveFile"/> is null on cgroup v2, which is
/// how the CLI tells the versions apart.
/// </summary>
internal sealed record MemoryStatJson(ulong? TotalInactiveFile, ulong? InactiveFile);

internal sealed record PidsStatsJson(ulong Current, ulong Limit);

internal sealed record BlkioStatsJson(BlkioEntryJson[]? IoServiceBytesRecursive);

internal sealed record BlkioEntryJson(uint Major, uint Minor, string? Op, ulong Value);

internal sealed record StorageStatsJson(ulong ReadSizeBytes, ulong WriteSizeBytes);

internal sealed record NetworkStatsJson(ulong RxBytes, ulong TxBytes);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(StatsJson))]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
