using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Grains.Stats;

/// <summary>
/// Turns two consecutive counter readings into a sample, with the formulas of the docker CLI
/// (<c>stats_helpers.go</c>), so our CPU % and memory match what <c>docker stats</c> prints.
/// </summary>
public static class SampleCalculator
{
    /// <summary>
    /// Computes the sample of the interval between <paramref name="previous"/> and <paramref name="current"/>;
    /// null when they do not make an interval: time did not advance, the previous reading is a zeroed
    /// baseline, or any cumulative counter went backwards (a restart, a new cgroup) and the delta would be bogus.
    /// </summary>
    /// <param name="hostMemoryTotalBytes">/info MemTotal: dockerd reports it as the limit of unlimited containers.</param>
    public static ContainerSample? Compute(in CounterReading previous, in CounterReading current, long hostMemoryTotalBytes)
    {
        var elapsed = current.Timestamp - previous.Timestamp;
        if (elapsed <= TimeSpan.Zero || previous.SystemCpuNanoseconds == 0 || !IsForward(previous, current))
        {
            return null;
        }

        // Every delta below is safe as ulong: IsForward checked current >= previous for each counter.
        var seconds = elapsed.TotalSeconds;
        var cpuDelta = (double)(current.CpuTotalNanoseconds - previous.CpuTotalNanoseconds);
        var systemDelta = (double)(current.SystemCpuNanoseconds - previous.SystemCpuNanoseconds);
        var cpuPercent = Percent(cpuDelta, systemDelta, current.OnlineCpus);
        var userPercent = Percent(current.CpuUserNanoseconds - previous.CpuUserNanoseconds, systemDelta, current.OnlineCpus);
        var kernelPercent = Percent(current.CpuKernelNanoseconds - previous.CpuKernelNanoseconds, systemDelta, current.OnlineCpus);

        // docker/cli#2415: page cache that can be reclaimed is not "used".
        var memoryUsed = current.MemoryInactiveFileBytes < current.MemoryUsageBytes
            ? current.MemoryUsageBytes - current.MemoryInactiveFileBytes
            : current.MemoryUsageBytes;
        var memoryLimit = current.MemoryLimitBytes;
        var memoryPercent = memoryLimit != 0 ? (double)memoryUsed / memoryLimit * 100.0 : 0;
        var memoryLimited = memoryLimit != 0 && (hostMemoryTotalBytes <= 0 || memoryLimit < (ulong)hostMemoryTotalBytes);

        var networkRated = current.NetworkMeasured && previous.NetworkMeasured;
        var periods = current.ThrottlePeriods - previous.ThrottlePeriods;
        var throttledRatio = periods > 0 ? (double)(current.ThrottledPeriods - previous.ThrottledPeriods) / periods : 0;

        return new ContainerSample(
            Timestamp: current.Timestamp,
            CpuPercent: cpuPercent,
            CpuUserPercent: userPercent,
            CpuKernelPercent: kernelPercent,
            MemoryUsedBytes: Saturate(memoryUsed),
            MemoryLimitBytes: Saturate(memoryLimit),
            MemoryPercent: memoryPercent,
            MemoryLimited: memoryLimited,
            NetRxBytes: current.NetworkMeasured ? Saturate(current.NetRxBytes) : null,
            NetTxBytes: current.NetworkMeasured ? Saturate(current.NetTxBytes) : null,
            NetRxBytesPerSecond: networkRated ? (current.NetRxBytes - previous.NetRxBytes) / seconds : null,
            NetTxBytesPerSecond: networkRated ? (current.NetTxBytes - previous.NetTxBytes) / seconds : null,
            BlockReadBytes: Saturate(current.BlockReadBytes),
            BlockWriteBytes: Saturate(current.BlockWriteBytes),
            BlockReadBytesPerSecond: (current.BlockReadBytes - previous.BlockReadBytes) / seconds,
            BlockWriteBytesPerSecond: (current.BlockWriteBytes - previous.BlockWriteBytes) / seconds,
            Pids: Saturate(current.Pids),
            PidsLimit: current.PidsLimit != 0 ? Saturate(current.PidsLimit) : null,
            ThrottledPeriodsRatio: throttledRatio,
            ThrottledTimeNanoseconds: Saturate(current.ThrottledTimeNanoseconds - previous.ThrottledTimeNanoseconds));
    }

    // Same operation order as the CLI, so the doubles round identically.
    private static double Percent(double delta, double systemDelta, int onlineCpus) =>
        systemDelta > 0 && delta > 0 ? delta / systemDelta * onlineCpus * 100.0 : 0;

    private static bool IsForward(in CounterReading previous, in CounterReading current) =>
        current.CpuTotalNanoseconds >= previous.CpuTotalNanoseconds
        && current.CpuUserNanoseconds >= previous.CpuUserNanoseconds
        && current.CpuKernelNanoseconds >= previous.CpuKernelNanoseconds
        && current.SystemCpuNanoseconds >= previous.SystemCpuNanoseconds
        && current.ThrottlePeriods >= previous.ThrottlePeriods
        && current.ThrottledPeriods >= previous.ThrottledPeriods
        && current.ThrottledTimeNanoseconds >= previous.ThrottledTimeNanoseconds
        && (!current.NetworkMeasured || !previous.NetworkMeasured
            || (current.NetRxBytes >= previous.NetRxBytes && current.NetTxBytes >= previous.NetTxBytes))
        && current.BlockReadBytes >= previous.BlockReadBytes
        && current.BlockWriteBytes >= previous.BlockWriteBytes;

    // The v1 "unlimited" sentinel and other huge values fit in long; anything larger is clamped, never wrapped.
    private static long Saturate(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;
}
