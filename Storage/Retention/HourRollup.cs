using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Retention;

/// <summary>
/// Rolls a container's minute rows up into its hour (docs/accuracy.md): averages weighted by sample count, exact minima
/// and maxima, p95 is the 95th percentile (nearest rank) of the minute p95s, bytes, CPU time, throttled time, CFS
/// periods, throttled periods and sample counts summed, PIDs the maximum, the memory limit the last minute's.
/// </summary>
public static class HourRollup
{
    /// <summary>The hour that holds <paramref name="time"/> (UTC).</summary>
    public static DateTimeOffset HourOf(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    /// <summary>One row per container and hour from minute rows of any containers and hours, ascending by hour then container.</summary>
    public static IReadOnlyList<HourAggregate> Build(IEnumerable<MinuteAggregate> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        return [.. minutes
            .GroupBy(m => (m.ContainerId, Hour: HourOf(m.Minute)))
            .OrderBy(g => g.Key.Hour).ThenBy(g => g.Key.ContainerId, StringComparer.Ordinal)
            .Select(g => new HourAggregate(Combine(g.Key.Hour, [.. g.OrderBy(m => m.Minute)]), g.Count()))];
    }

    /// <summary>Rolls one container's minutes (ascending, non-empty) into the row that starts at <paramref name="start"/>.</summary>
    public static MinuteAggregate Combine(DateTimeOffset start, IReadOnlyList<MinuteAggregate> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        if (minutes.Count == 0)
        {
            throw new ArgumentException("An hour needs at least one minute.", nameof(minutes));
        }

        var samples = minutes.Sum(m => (long)m.SampleCount);
        double Weighted(Func<MinuteAggregate, double> f) =>
            samples == 0 ? minutes.Average(f) : minutes.Sum(m => f(m) * m.SampleCount) / samples;

        var last = minutes[^1];
        return new MinuteAggregate(
            last.ContainerId,
            last.HostId,
            start,
            (int)Math.Min(samples, int.MaxValue),
            Weighted(m => m.CpuPercentAvg),
            minutes.Min(m => m.CpuPercentMin),
            minutes.Max(m => m.CpuPercentMax),
            NearestRankP95(minutes.Select(m => m.CpuPercentP95)),
            (long)Math.Round(Weighted(m => m.MemoryUsedBytesAvg), MidpointRounding.AwayFromZero),
            minutes.Min(m => m.MemoryUsedBytesMin),
            minutes.Max(m => m.MemoryUsedBytesMax),
            (long)NearestRankP95(minutes.Select(m => (double)m.MemoryUsedBytesP95)),
            last.MemoryLimitBytes,
            SumMeasured(minutes.Select(m => m.NetRxBytes)),
            SumMeasured(minutes.Select(m => m.NetTxBytes)),
            minutes.Sum(m => m.BlockReadBytes),
            minutes.Sum(m => m.BlockWriteBytes),
            minutes.Max(m => m.PidsMax),
            minutes.Sum(m => m.ThrottledTimeNanoseconds),
            minutes.Sum(m => m.CpuTimeNanoseconds),
            minutes.Select(m => m.NetworkNamespace).LastOrDefault(n => n is not null),
            minutes.Sum(m => m.ThrottlePeriods),
            minutes.Sum(m => m.ThrottledPeriods));
    }

    /// <summary>The nearest-rank 95th percentile: the value at rank ceil(0.95 n) of the sorted values.</summary>
    public static double NearestRankP95(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(0.95 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

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
}
