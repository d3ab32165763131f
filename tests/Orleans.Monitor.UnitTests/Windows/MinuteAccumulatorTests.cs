using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.UnitTests.Windows;

public sealed class MinuteAccumulatorTests
{
    private static readonly DateTimeOffset Minute0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ContainerSample Sample(
        DateTimeOffset at, double cpu, long memory, long rx = 0, long tx = 0, long read = 0, long write = 0, long pids = 1, long throttled = 0) =>
        new(at, cpu, cpu, 0, memory, 64 << 20, memory * 100.0 / (64 << 20), true, rx, tx, 0, 0, read, write, 0, 0, pids, null, 0, throttled);

    /// <summary>The reading behind a sample: its cumulative counters, plus CPU and throttled time so far.</summary>
    private static CounterReading Reading(ContainerSample s, long cpuNanoseconds = 0, long throttledNanoseconds = 0) =>
        new(s.Timestamp, (ulong)cpuNanoseconds, 0, 0, 1, 2, 0, 0, (ulong)throttledNanoseconds, (ulong)s.MemoryUsedBytes, 64 << 20, 0,
            (ulong)(s.NetRxBytes ?? 0), (ulong)(s.NetTxBytes ?? 0), (ulong)s.BlockReadBytes, (ulong)s.BlockWriteBytes, (ulong)s.Pids, 0,
            NetworkMeasured: s.NetRxBytes is not null);

    private static MinuteAggregate? Add(MinuteAccumulator acc, ContainerSample s, long cpuNanoseconds = 0, long throttledNanoseconds = 0) =>
        acc.Add(s, Reading(s, cpuNanoseconds, throttledNanoseconds));

    [Fact]
    public void Add_SampleInNextMinute_ClosesPreviousWithStatistics()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        for (var s = 0; s < 60; s++)
        {
            // CPU 1..60 %, memory 1..60 MiB, 1000 rx bytes per second.
            Assert.Null(Add(acc, Sample(Minute0.AddSeconds(s), s + 1, (s + 1) << 20, rx: 10_000 + (s * 1000L), pids: s % 7)));
        }

        var closed = Add(acc, Sample(Minute0.AddSeconds(60), 5, 1 << 20, rx: 70_000));

        Assert.NotNull(closed);
        Assert.Equal(Minute0, closed.Minute);
        Assert.Equal(60, closed.SampleCount);
        Assert.Equal(30.5, closed.CpuPercentAvg, 6);
        Assert.Equal(1, closed.CpuPercentMin);
        Assert.Equal(60, closed.CpuPercentMax);
        Assert.Equal(57, closed.CpuPercentP95); // nearest rank: ceil(0.95 * 60) = 57th value
        Assert.Equal(1L << 20, closed.MemoryUsedBytesMin);
        Assert.Equal(60L << 20, closed.MemoryUsedBytesMax);
        Assert.Equal(57L << 20, closed.MemoryUsedBytesP95);
        Assert.Equal(59_000, closed.NetRxBytes); // first sample is the baseline
        Assert.Equal(6, closed.PidsMax);
        Assert.Equal(Minute0.AddMinutes(1), acc.OpenMinute);
    }

    [Fact]
    public void Add_ConsecutiveMinutes_ByteDeltasSumToCounterTotal()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        var closed = new List<MinuteAggregate>();
        long rx = 0;
        for (var s = 0; s < 180; s++)
        {
            rx += 100 + s;
            if (Add(acc, Sample(Minute0.AddSeconds(s), 1, 1, rx: rx, write: rx * 2)) is { } minute)
            {
                closed.Add(minute);
            }
        }

        closed.Add(acc.Flush()!);
        var firstRx = 100L;
        Assert.Equal(3, closed.Count);
        Assert.Equal(rx - firstRx, closed.Sum(m => m.NetRxBytes));
        Assert.Equal(2 * (rx - firstRx), closed.Sum(m => m.BlockWriteBytes));
    }

    [Fact]
    public void Add_CounterWentBackwards_CountsFromZeroNotNegative()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        Add(acc, Sample(Minute0.AddSeconds(1), 1, 1, rx: 1_000_000, read: 5000));
        Add(acc, Sample(Minute0.AddSeconds(2), 1, 1, rx: 1_000_500, read: 5000));
        Add(acc, Sample(Minute0.AddSeconds(3), 1, 1, rx: 300, read: 100)); // restarted: new cgroup and netns
        var closed = acc.Flush()!;

        Assert.Equal(800, closed.NetRxBytes);
        Assert.Equal(100, closed.BlockReadBytes);
    }

    [Fact]
    public void Add_CfsPeriodCounters_MinuteSumsTheirDeltasAndCountsFromZeroAfterAReset()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: false, "c1");

        // (nr_periods, nr_throttled) as cpu.stat counts them: 10 periods a second, 9 of them throttled, until the
        // container restarts into a new cgroup whose counters start again near zero.
        (ulong Periods, ulong Throttled)[] counters = [(1000, 800), (1010, 809), (1020, 818), (1030, 827), (6, 5), (16, 14)];
        MinuteAggregate? closed = null;
        for (var i = 0; i < counters.Length; i++)
        {
            var s = Sample(Minute0.AddSeconds(i * 10), 10, 1);
            closed ??= acc.Add(s, Reading(s) with { ThrottlePeriods = counters[i].Periods, ThrottledPeriods = counters[i].Throttled });
        }

        var next = Sample(Minute0.AddSeconds(60), 10, 1);
        closed ??= acc.Add(next, Reading(next) with { ThrottlePeriods = 26, ThrottledPeriods = 23 });
        var following = acc.Flush()!;

        // The first reading is the baseline; the reset counts 6 and 5 from zero; 30 + 6 + 10 periods, 27 + 5 + 9 throttled.
        Assert.NotNull(closed);
        Assert.Equal(46, closed.ThrottlePeriods);
        Assert.Equal(41, closed.ThrottledPeriods);
        Assert.Equal(10, following.ThrottlePeriods);
        Assert.Equal(9, following.ThrottledPeriods);
    }

    [Fact]
    public void Add_NoCpuQuota_MinuteHasNoPeriods()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: true, "c1");
        Add(acc, Sample(Minute0.AddSeconds(1), 50, 1), cpuNanoseconds: 500_000_000);
        Add(acc, Sample(Minute0.AddSeconds(2), 50, 1), cpuNanoseconds: 1_000_000_000);

        var closed = acc.Flush()!;

        Assert.Equal(0, closed.ThrottlePeriods);
        Assert.Equal(0, closed.ThrottledPeriods);
        Assert.Equal(1_000_000_000, closed.CpuTimeNanoseconds);
    }

    [Fact]
    public void CloseIfElapsed_QuietContainer_ClosesOnlyAfterMinuteEnds()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: true, "c1");
        Add(acc, Sample(Minute0.AddSeconds(10), 2, 2), throttledNanoseconds: 5);
        Add(acc, Sample(Minute0.AddSeconds(11), 4, 4), throttledNanoseconds: 12);

        Assert.Null(acc.CloseIfElapsed(Minute0.AddSeconds(59.9)));
        var closed = acc.CloseIfElapsed(Minute0.AddSeconds(60));

        Assert.NotNull(closed);
        Assert.Equal(2, closed.SampleCount);
        Assert.Equal(3, closed.CpuPercentAvg);
        Assert.Equal(12, closed.ThrottledTimeNanoseconds);
        Assert.Null(acc.OpenMinute);
        Assert.Null(acc.CloseIfElapsed(Minute0.AddMinutes(5)));
    }

    [Fact]
    public void Add_RunStartObserved_FirstMinuteCountsEverythingSinceStart()
    {
        // The example: ~126 kB received in the first second, before the first sample could be taken.
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: true, "c1");
        Add(acc, Sample(Minute0.AddSeconds(2), 1, 1, rx: 126_000, tx: 900, read: 4096, write: 20 << 20), cpuNanoseconds: 30_000_000, throttledNanoseconds: 700);
        Add(acc, Sample(Minute0.AddSeconds(3), 1, 1, rx: 126_100, tx: 900, read: 4096, write: 20 << 20), cpuNanoseconds: 31_000_000, throttledNanoseconds: 800);
        var closed = acc.Flush()!;

        Assert.Equal(126_100, closed.NetRxBytes);
        Assert.Equal(900, closed.NetTxBytes);
        Assert.Equal(4096, closed.BlockReadBytes);
        Assert.Equal(20 << 20, closed.BlockWriteBytes);
        Assert.Equal(31_000_000, closed.CpuTimeNanoseconds);
        Assert.Equal(800, closed.ThrottledTimeNanoseconds);
        Assert.Equal("c1", closed.NetworkNamespace);
    }

    [Fact]
    public void Add_RunUnderWayWhenWatchBegan_FirstReadingIsTheBaseline()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: false, "c1");
        Add(acc, Sample(Minute0.AddSeconds(2), 1, 1, rx: 9_000_000, write: 1 << 30), cpuNanoseconds: 3_600_000_000_000);
        Add(acc, Sample(Minute0.AddSeconds(3), 1, 1, rx: 9_000_500, write: 1 << 30), cpuNanoseconds: 3_600_010_000_000);
        var closed = acc.Flush()!;

        Assert.Equal(500, closed.NetRxBytes);
        Assert.Equal(0, closed.BlockWriteBytes);
        Assert.Equal(10_000_000, closed.CpuTimeNanoseconds);
    }

    [Fact]
    public void Add_JoinedAnotherContainersNamespace_NetworkStartsFromFirstReading()
    {
        // --network container:owner: the namespace's counters were running long before this container started.
        var acc = new MinuteAccumulator("joiner", "h1");
        acc.StartRun(fromZero: true, "owner");
        Add(acc, Sample(Minute0.AddSeconds(2), 1, 1, rx: 5_000_000), cpuNanoseconds: 1000);
        Add(acc, Sample(Minute0.AddSeconds(3), 1, 1, rx: 5_000_300), cpuNanoseconds: 2000);
        var closed = acc.Flush()!;

        Assert.Equal(300, closed.NetRxBytes);
        Assert.Equal(2000, closed.CpuTimeNanoseconds);
        Assert.Equal("owner", closed.NetworkNamespace);
    }

    [Fact]
    public void Add_NetworkNotMeasured_MinuteNetworkIsNull()
    {
        var acc = new MinuteAccumulator("c1", "h1");
        acc.StartRun(fromZero: true, null);
        Add(acc, Sample(Minute0.AddSeconds(2), 1, 1) with { NetRxBytes = null, NetTxBytes = null });
        Add(acc, Sample(Minute0.AddSeconds(3), 1, 1) with { NetRxBytes = null, NetTxBytes = null });
        var closed = acc.Flush()!;

        Assert.Null(closed.NetRxBytes);
        Assert.Null(closed.NetTxBytes);
        Assert.Null(closed.NetworkNamespace);
    }

    [Fact]
    public void FloorToMinute_AnyOffset_ReturnsUtcMinute()
    {
        var t = new DateTimeOffset(2026, 11, 21, 13, 5, 59, 999, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 5, 0, TimeSpan.Zero), MinuteAccumulator.FloorToMinute(t));
    }
}
