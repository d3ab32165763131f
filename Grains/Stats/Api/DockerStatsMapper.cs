using Docker.DotNet.Models;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.Grains.Stats.Api;

/// <summary>
/// Maps one frame of <c>GET /containers/{id}/stats</c> (cgroup v1, v2 or Windows) to source-neutral counters,
/// reading each field the way the docker CLI does (<c>stats_helpers.go</c>).
/// </summary>
internal static class DockerStatsMapper
{
    /// <summary>
    /// <see cref="ReadingStatus.Ok"/> with the counters, or <see cref="ReadingStatus.NotRunning"/> for the zero
    /// frames dockerd sends while a container is stopped (<c>read</c> in year 1).
    /// </summary>
    /// <param name="windowsEpoch">
    /// A fixed instant before the frame, the same for every frame of one container: Windows frames have no host
    /// CPU counter, so one is derived from wall time since then (kept small so it never overflows).
    /// </param>
    public static StatsReadResult Map(ContainerStatsResponse frame, DateTimeOffset windowsEpoch)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Read.Year <= 1)
        {
            return StatsReadResult.WithStatus(ReadingStatus.NotRunning);
        }

        return StatsReadResult.Of(IsWindows(frame) ? MapWindows(frame, windowsEpoch) : MapLinux(frame));
    }

    private static bool IsWindows(ContainerStatsResponse frame) =>
        string.Equals(frame.OSType, "windows", StringComparison.OrdinalIgnoreCase) || frame.NumProcs > 0;

    private static CounterReading MapLinux(ContainerStatsResponse frame)
    {
        var cpu = frame.CPUStats;
        // Declared non-null by the model, but absent from the zero and one-shot precpu shapes.
        var usage = cpu?.CPUUsage;
        var throttling = cpu?.ThrottlingData;
        var memory = frame.MemoryStats;
        var (blockRead, blockWrite) = SumBlockIo(frame.BlkioStats?.IoServiceBytesRecursive);
        var (rx, tx) = SumNetworks(frame.Networks);
        return new CounterReading(
            Timestamp: DockerMapper.ToOffset(frame.Read),
            CpuTotalNanoseconds: usage?.TotalUsage ?? 0,
            CpuUserNanoseconds: usage?.UsageInUsermode ?? 0,
            CpuKernelNanoseconds: usage?.UsageInKernelmode ?? 0,
            SystemCpuNanoseconds: cpu?.SystemUsage ?? 0,
            // Old daemons leave online_cpus out; v2 has no percpu_usage either, so 0 stays 0 as in the CLI.
            OnlineCpus: cpu?.OnlineCPUs is > 0 and var online ? (int)online : usage?.PercpuUsage?.Count ?? 0,
            ThrottlePeriods: throttling?.Periods ?? 0,
            ThrottledPeriods: throttling?.ThrottledPeriods ?? 0,
            ThrottledTimeNanoseconds: throttling?.ThrottledTime ?? 0,
            MemoryUsageBytes: memory?.Usage ?? 0,
            MemoryLimitBytes: memory?.Limit ?? 0,
            MemoryInactiveFileBytes: InactiveFile(memory),
            NetRxBytes: rx,
            NetTxBytes: tx,
            BlockReadBytes: blockRead,
            BlockWriteBytes: blockWrite,
            Pids: frame.PidsStats?.Current ?? 0,
            PidsLimit: frame.PidsStats?.Limit ?? 0,
            NetworkMeasured: IsNetworkMeasured(frame.Networks),
            MemoryCacheBytes: Cache(memory));
    }

    private static CounterReading MapWindows(ContainerStatsResponse frame, DateTimeOffset windowsEpoch)
    {
        // The CLI: CPU% = Δtotal_usage(100 ns) / (Δread(ns) / 100 × num_procs) × 100. Expressed as our
        // cpuDelta / systemDelta × onlineCpus × 100 with nanoseconds on both sides and onlineCpus = 1.
        var read = DockerMapper.ToOffset(frame.Read);
        var usage = frame.CPUStats?.CPUUsage;
        var wallNanoseconds = (ulong)Math.Max(0, (read - windowsEpoch).Ticks) * TimeSpan.NanosecondsPerTick;
        var (rx, tx) = SumNetworks(frame.Networks);
        return new CounterReading(
            Timestamp: read,
            CpuTotalNanoseconds: (usage?.TotalUsage ?? 0) * 100,
            CpuUserNanoseconds: (usage?.UsageInUsermode ?? 0) * 100,
            CpuKernelNanoseconds: (usage?.UsageInKernelmode ?? 0) * 100,
            SystemCpuNanoseconds: wallNanoseconds * frame.NumProcs,
            OnlineCpus: 1,
            ThrottlePeriods: 0,
            ThrottledPeriods: 0,
            ThrottledTimeNanoseconds: 0,
            MemoryUsageBytes: frame.MemoryStats?.PrivateWorkingSet ?? 0,
            MemoryLimitBytes: 0,
            MemoryInactiveFileBytes: 0,
            NetRxBytes: rx,
            NetTxBytes: tx,
            BlockReadBytes: frame.StorageStats?.ReadSizeBytes ?? 0,
            BlockWriteBytes: frame.StorageStats?.WriteSizeBytes ?? 0,
            Pids: frame.NumProcs,
            PidsLimit: 0,
            NetworkMeasured: IsNetworkMeasured(frame.Networks));
    }

    /// <summary>
    /// The CLI's rule (docker/cli#2415): v1 <c>total_inactive_file</c> when below usage, else
    /// <c>inactive_file</c> (v2, 0 when absent). The calculator subtracts it only when below usage.
    /// </summary>
    private static ulong InactiveFile(MemoryStats? memory)
    {
        var stats = memory?.Stats;
        if (stats is null)
        {
            return 0;
        }

        return stats.TryGetValue("total_inactive_file", out var total) && total < (memory!.Usage ?? 0)
            ? total
            : stats.TryGetValue("inactive_file", out var inactive) ? inactive : 0;
    }

    /// <summary>Page cache as cAdvisor reads it: v1 <c>total_cache</c>, v2 <c>file</c>; 0 when absent.</summary>
    private static ulong Cache(MemoryStats? memory)
    {
        var stats = memory?.Stats;
        if (stats is null)
        {
            return 0;
        }

        return stats.TryGetValue("total_cache", out var total) ? total : stats.TryGetValue("file", out var file) ? file : 0;
    }

    private static (ulong Read, ulong Write) SumBlockIo(IList<BlkioStatEntry>? entries)
    {
        ulong read = 0, write = 0;
        if (entries is null)
        {
            return (read, write);
        }

        // One rule for v1 "Read"/"Write" and v2 "read"/"write"; Sync, Async, Total and Discard are ignored.
        foreach (var entry in entries)
        {
            switch (entry.Op is { Length: > 0 } op ? op[0] : '\0')
            {
                case 'r' or 'R':
                    read += entry.Value;
                    break;
                case 'w' or 'W':
                    write += entry.Value;
                    break;
                default:
                    break;
            }
        }

        return (read, write);
    }

    /// <summary>
    /// dockerd leaves <c>networks</c> out when the container's sandbox has no endpoint interface: host and none
    /// networks. That is "not measured", not zero traffic.
    /// </summary>
    private static bool IsNetworkMeasured(IDictionary<string, NetworkStats>? networks) => networks is { Count: > 0 };

    private static (ulong Rx, ulong Tx) SumNetworks(IDictionary<string, NetworkStats>? networks)
    {
        ulong rx = 0, tx = 0;
        if (networks is null)
        {
            return (rx, tx);
        }

        foreach (var network in networks.Values)
        {
            rx += network.RxBytes;
            tx += network.TxBytes;
        }

        return (rx, tx);
    }
}
