using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// Rolls minute rows up into larger steps. Averages are weighted by sample count, minima and maxima are exact,
/// byte counts add up; p95 of a step is the largest minute p95 (an upper bound: the exact value would need the samples).
/// </summary>
internal static class HistoryRollup
{
    public static IReadOnlyList<MinuteAggregate> Container(IReadOnlyList<MinuteAggregate> minutes, TimeSpan step)
    {
        if (step == TimeSpan.FromMinutes(1))
        {
            return minutes;
        }

        return [.. minutes.GroupBy(m => Floor(m.Minute, step)).Select(g => Combine(g.Key, [.. g]))];
    }

    public static IReadOnlyList<HostHistoryPoint> Host(IReadOnlyList<MinuteAggregate> rows, TimeSpan step)
    {
        var perMinute = rows
            .GroupBy(r => r.Minute)
            .Select(g => new HostHistoryPoint(
                g.Key,
                g.Count(),
                g.Sum(r => r.CpuPercentAvg),
                g.Sum(r => r.CpuPercentAvg),
                g.Sum(r => r.MemoryUsedBytesAvg),
                g.Sum(r => r.MemoryUsedBytesAvg),
                g.Sum(r => r.NetRxBytes),
                g.Sum(r => r.NetTxBytes),
                g.Sum(r => r.BlockReadBytes),
                g.Sum(r => r.BlockWriteBytes)))
            .OrderBy(p => p.Minute)
            .ToList();
        if (step == TimeSpan.FromMinutes(1))
        {
            return perMinute;
        }

        return [.. perMinute.GroupBy(p => Floor(p.Minute, step)).Select(g => new HostHistoryPoint(
            g.Key,
            g.Max(p => p.Containers),
            g.Average(p => p.CpuPercentAvg),
            g.Max(p => p.CpuPercentMax),
            (long)g.Average(p => p.MemoryUsedBytesAvg),
            g.Max(p => p.MemoryUsedBytesMax),
            g.Sum(p => p.NetRxBytes),
            g.Sum(p => p.NetTxBytes),
            g.Sum(p => p.BlockReadBytes),
            g.Sum(p => p.BlockWriteBytes)))];
    }

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan step) =>
        new(t.UtcTicks - (t.UtcTicks % step.Ticks), TimeSpan.Zero);

    private static MinuteAggregate Combine(DateTimeOffset start, MinuteAggregate[] group)
    {
        var samples = group.Sum(m => m.SampleCount);
        double Weighted(Func<MinuteAggregate, double> f) =>
            samples == 0 ? 0 : group.Sum(m => f(m) * m.SampleCount) / samples;

        var first = group[0];
        return new MinuteAggregate(
            first.ContainerId,
            first.HostId,
            start,
            samples,
            Weighted(m => m.CpuPercentAvg),
            group.Min(m => m.CpuPercentMin),
            group.Max(m => m.CpuPercentMax),
            group.Max(m => m.CpuPercentP95),
            (long)Weighted(m => m.MemoryUsedBytesAvg),
            group.Min(m => m.MemoryUsedBytesMin),
            group.Max(m => m.MemoryUsedBytesMax),
            group.Max(m => m.MemoryUsedBytesP95),
            group[^1].MemoryLimitBytes,
            group.Sum(m => m.NetRxBytes),
            group.Sum(m => m.NetTxBytes),
            group.Sum(m => m.BlockReadBytes),
            group.Sum(m => m.BlockWriteBytes),
            group.Max(m => m.PidsMax),
            group.Sum(m => m.ThrottledTimeNanoseconds));
    }
}
