using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// Rolls minute rows up into larger steps. Averages are weighted by sample count, minima and maxima are exact,
/// byte and period counts add up; p95 of a step is the largest minute p95 (an upper bound: the exact value would need the samples).
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
                PerNamespace(g, r => r.NetRxBytes),
                PerNamespace(g, r => r.NetTxBytes),
                g.Sum(r => r.BlockReadBytes),
                g.Sum(r => r.BlockWriteBytes),
                g.Sum(r => r.CpuTimeNanoseconds)))
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
            SumMeasured(g.Select(p => p.NetRxBytes)),
            SumMeasured(g.Select(p => p.NetTxBytes)),
            g.Sum(p => p.BlockReadBytes),
            g.Sum(p => p.BlockWriteBytes),
            g.Sum(p => p.CpuTimeNanoseconds)))];
    }

    /// <summary>
    /// A minute's network bytes over a host: each namespace once (containers that share one count the same traffic;
    /// the owner's row stands for it, else the largest), null when no row measured network.
    /// </summary>
    private static long? PerNamespace(IEnumerable<MinuteAggregate> rows, Func<MinuteAggregate, long?> bytes) =>
        SumMeasured(rows
            .Where(r => bytes(r) is not null)
            .GroupBy(r => r.NetworkNamespace ?? r.ContainerId, StringComparer.Ordinal)
            .Select(n => n.FirstOrDefault(r => r.ContainerId == n.Key) is { } owner ? bytes(owner) : n.Max(bytes)));

    private static long? SumMeasured(IEnumerable<long?> values)
    {
        long? sum = null;
        foreach (var value in values)
        {
            if (value is { } v)
            {
                sum = (sum ?? 0) + v;
            }
        }

        return sum;
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
            SumMeasured(group.Select(m => m.NetRxBytes)),
            SumMeasured(group.Select(m => m.NetTxBytes)),
            group.Sum(m => m.BlockReadBytes),
            group.Sum(m => m.BlockWriteBytes),
            group.Max(m => m.PidsMax),
            group.Sum(m => m.ThrottledTimeNanoseconds),
            group.Sum(m => m.CpuTimeNanoseconds),
            group.Select(m => m.NetworkNamespace).LastOrDefault(n => n is not null),
            group.Sum(m => m.ThrottlePeriods),
            group.Sum(m => m.ThrottledPeriods));
    }
}
