using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.UnitTests.Storage.Retention;

public sealed class HourRollupTests
{
    private static readonly DateTimeOffset Hour = new(2026, 3, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Combine_WeightedBySamples_AverageFollowsSampleCounts()
    {
        var hour = HourRollup.Combine(Hour, [Minute(0, cpu: 10, samples: 60), Minute(1, cpu: 40, samples: 20)]);

        Assert.Equal(80, hour.SampleCount);
        Assert.Equal(17.5, hour.CpuPercentAvg, 9);
        Assert.Equal(10, hour.CpuPercentMin);
        Assert.Equal(40, hour.CpuPercentMax);
    }

    [Fact]
    public void Combine_SixtyMinuteP95s_TakesTheNearestRankP95OfThem()
    {
        var minutes = Enumerable.Range(0, 60).Select(m => Minute(m, p95: 100 - m)).ToList();

        var hour = HourRollup.Combine(Hour, minutes);

        // Sorted 41 ... 100; rank ceil(0.95 × 60) = 57 is 97, not the maximum 100.
        Assert.Equal(97, hour.CpuPercentP95);
        Assert.Equal(97, hour.MemoryUsedBytesP95);
    }

    [Fact]
    public void Combine_Counters_AreSummedAndNullNetworkStaysNull()
    {
        var hour = HourRollup.Combine(Hour, [Minute(0, rx: 5), Minute(1, rx: null), Minute(2, rx: 7)]);
        var unmeasured = HourRollup.Combine(Hour, [Minute(0, rx: null), Minute(1, rx: null)]);

        Assert.Equal(12, hour.NetRxBytes);
        Assert.Equal(9_000, hour.BlockReadBytes);
        Assert.Equal(3 * 2_000_000_000L, hour.CpuTimeNanoseconds);
        Assert.Equal(3 * 500L, hour.ThrottledTimeNanoseconds);
        Assert.Null(unmeasured.NetRxBytes);
    }

    [Fact]
    public void Combine_PidsAndLimit_MaximumAndLastMinute()
    {
        var first = Minute(0) with { PidsMax = 9, MemoryLimitBytes = 100 };
        var last = Minute(1) with { PidsMax = 3, MemoryLimitBytes = 200 };

        var hour = HourRollup.Combine(Hour, [first, last]);

        Assert.Equal(9, hour.PidsMax);
        Assert.Equal(200, hour.MemoryLimitBytes);
        Assert.Equal(Hour, hour.Minute);
    }

    [Fact]
    public void Build_MinutesOfTwoContainersAndHours_OneRowPerContainerAndHourWithMinuteCounts()
    {
        var minutes = new[] { Minute(5, "b"), Minute(59, "a"), Minute(60, "a"), Minute(61, "a"), Minute(0, "a") };

        var hours = HourRollup.Build(minutes);

        Assert.Equal(
            [(Hour, "a", 2), (Hour, "b", 1), (Hour.AddHours(1), "a", 2)],
            hours.Select(h => (h.Hour.Minute, h.Hour.ContainerId, h.MinuteCount)));
    }

    [Fact]
    public void HourOf_TimeWithOffset_IsTheUtcHour()
    {
        var time = new DateTimeOffset(2026, 3, 21, 15, 59, 59, TimeSpan.FromHours(5.5));

        Assert.Equal(new DateTimeOffset(2026, 3, 21, 10, 0, 0, TimeSpan.Zero), HourRollup.HourOf(time));
    }

    [Fact]
    public void Combine_CfsPeriodCounts_AreSummedSoTheShareIsOfAllTheHoursPeriods()
    {
        // A busy minute (600 periods, 540 throttled), a quiet one (60, 6) and a row stored before periods were kept.
        var hour = HourRollup.Combine(Hour, [
            Minute(0) with { ThrottlePeriods = 600, ThrottledPeriods = 540 },
            Minute(1) with { ThrottlePeriods = 60, ThrottledPeriods = 6 },
            Minute(2)]);

        Assert.Equal(660, hour.ThrottlePeriods);
        Assert.Equal(546, hour.ThrottledPeriods);
    }

    [Fact]
    public void Combine_NoMinutes_Throws() =>
        Assert.Throws<ArgumentException>(() => HourRollup.Combine(Hour, []));

    private static MinuteAggregate Minute(int offset, string container = "c", double cpu = 10, double p95 = 12, int samples = 60, long? rx = 1) =>
        new(container, "h", Hour.AddMinutes(offset), samples, cpu, cpu, cpu, p95, (long)p95, (long)p95, (long)p95, (long)p95, 1 << 20,
            rx, rx, 3_000, 4_000, 5, 500, 2_000_000_000, rx is null ? null : container);
}
