using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.UnitTests.Stats;

public sealed class SampleCalculatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 21, 0, 0, TimeSpan.Zero);

    private static ContainerSample ComputeGolden(string file)
    {
        var frame = StatsFrames.Load(file);
        var previous = StatsFrames.Previous(frame);
        Assert.Equal(ReadingStatus.Ok, previous.Status);
        var sample = SampleCalculator.Compute(previous.Reading, StatsFrames.Current(frame), StatsFrames.HostMemTotal);
        Assert.NotNull(sample);
        return sample;
    }

    [Fact]
    public void Compute_G1BusyLoop_MatchesDockerStats()
    {
        var sample = ComputeGolden("golden-spec-busy.json");

        Assert.Equal(95.2704, sample.CpuPercent, 4);
        Assert.Equal("95.27", sample.CpuPercent.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(960_000_000.0 / 2_020_000_000 * 2 * 100, sample.CpuUserPercent, 10);
        Assert.Equal(0, sample.CpuKernelPercent);
        Assert.Equal(593920, sample.MemoryUsedBytes);
        Assert.Equal(25276514304, sample.MemoryLimitBytes);
        Assert.Equal(0.0023, sample.MemoryPercent, 4);
        Assert.False(sample.MemoryLimited);
        Assert.Equal(1, sample.Pids);
        Assert.Null(sample.PidsLimit);
        Assert.Equal(0, sample.ThrottledPeriodsRatio);
    }

    [Fact]
    public void Compute_G2Throttled_MatchesDockerStatsAndThrottling()
    {
        var sample = ComputeGolden("golden-spec-throttled.json");

        Assert.Equal(49.5639, sample.CpuPercent, 4);
        Assert.Equal(331776, sample.MemoryUsedBytes);
        Assert.Equal(1.0, sample.ThrottledPeriodsRatio);
        Assert.Equal(426905133, sample.ThrottledTimeNanoseconds);
        Assert.Equal(1, sample.Pids);
        Assert.Equal(50, sample.PidsLimit);
    }

    [Fact]
    public void Compute_G3SharedMemory_CountsShmAsUsed()
    {
        var sample = ComputeGolden("golden-spec-idle.json");

        Assert.Equal(0, sample.CpuPercent);
        Assert.Equal(8736768, sample.MemoryUsedBytes);
        Assert.Equal(67108864, sample.MemoryLimitBytes);
        Assert.Equal(13.0188, sample.MemoryPercent, 4);
        Assert.True(sample.MemoryLimited);
    }

    [Fact]
    public void Compute_G4PageCache_SubtractsInactiveFile()
    {
        var sample = ComputeGolden("golden-spec-cache.json");

        Assert.Equal(0, sample.CpuPercent);
        Assert.Equal(1085440, sample.MemoryUsedBytes);
        Assert.Equal(1.6174, sample.MemoryPercent, 4);
        Assert.True(sample.MemoryLimited);
    }

    [Fact]
    public void Compute_E1OneShotFrame_HasNoUsableBaseline()
    {
        var frame = StatsFrames.Load("oneshot-cache.json");

        var previous = StatsFrames.Previous(frame);
        // Even forced as a baseline, a zeroed precpu gives no sample rather than a lifetime average.
        var forced = SampleCalculator.Compute(
            StatsFrames.Current(StatsFrames.WithCpu(frame, frame.PreRead.AddYears(2025), frame.PreCPUStats)),
            StatsFrames.Current(frame),
            StatsFrames.HostMemTotal);

        Assert.Equal(ReadingStatus.NotRunning, previous.Status);
        Assert.Null(forced);
    }

    [Fact]
    public void Compute_E2RestartReset_DropsSampleInsteadOfUnderflow()
    {
        var frames = StatsFrames.LoadLines("restart.ndjson");
        var before = StatsFrames.Current(StatsFrames.WithCpu(frames[5], frames[5].PreRead, frames[5].PreCPUStats));
        var after = StatsFrames.Current(frames[5]);

        Assert.Equal(14538737UL, before.CpuTotalNanoseconds);
        Assert.Equal(13244186UL, after.CpuTotalNanoseconds);
        Assert.Null(SampleCalculator.Compute(before, after, StatsFrames.HostMemTotal));
    }

    [Fact]
    public void Compute_RestartStream_YieldsSamplesExceptAcrossTheResetAndStops()
    {
        var frames = StatsFrames.LoadLines("restart.ndjson");
        CounterReading? previous = null;
        var samples = new List<ContainerSample?>();
        var notRunning = 0;

        foreach (var frame in frames)
        {
            var result = Grains.Stats.Api.DockerStatsMapper.Map(frame, StatsFrames.WindowsEpoch);
            if (result.Status != ReadingStatus.Ok)
            {
                notRunning++;
                previous = null;
                continue;
            }

            if (previous is { } p)
            {
                samples.Add(SampleCalculator.Compute(p, result.Reading, StatsFrames.HostMemTotal));
            }

            previous = result.Reading;
        }

        Assert.Equal(3, notRunning);
        Assert.Equal(8, samples.Count);
        Assert.Null(samples[4]);
        Assert.All(samples.Where(s => s is not null), s => Assert.InRange(s!.CpuPercent, 0, 200));
        Assert.Equal(7, samples.Count(s => s is not null));
    }

    [Fact]
    public void Compute_E3StoppedFrame_IsNotRunning()
    {
        var frame = StatsFrames.Parse("""
            {"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"memory_stats":{},
             "cpu_stats":{"cpu_usage":{"total_usage":0}},"name":"/spec-short","id":"f7cf"}
            """);

        Assert.Equal(ReadingStatus.NotRunning, Grains.Stats.Api.DockerStatsMapper.Map(frame, StatsFrames.WindowsEpoch).Status);
    }

    [Fact]
    public void Compute_E4CgroupV2_UsesInactiveFileAndLowercaseOps()
    {
        var frame = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:01Z","preread":"2026-11-21T21:00:00Z",
             "cpu_stats":{"cpu_usage":{"total_usage":1500000000000,"usage_in_kernelmode":0,"usage_in_usermode":0},"system_cpu_usage":40000000000000,"online_cpus":4},
             "precpu_stats":{"cpu_usage":{"total_usage":1499000000000},"system_cpu_usage":39996000000000,"online_cpus":4},
             "memory_stats":{"usage":209715200,"limit":536870912,"stats":{"anon":104857600,"file":94371840,"inactive_file":62914560,"active_file":31457280}},
             "blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"read","value":1048576},{"major":8,"minor":0,"op":"write","value":4096},
               {"major":8,"minor":16,"op":"read","value":0},{"major":8,"minor":16,"op":"write","value":2097152}],"io_serviced_recursive":null},
             "pids_stats":{"current":3}}
            """);

        var sample = SampleCalculator.Compute(StatsFrames.Previous(frame).Reading, StatsFrames.Current(frame), StatsFrames.HostMemTotal);

        Assert.NotNull(sample);
        Assert.Equal(100.00, sample.CpuPercent, 10);
        Assert.Equal(146800640, sample.MemoryUsedBytes);
        Assert.Equal(27.34, sample.MemoryPercent, 2);
        Assert.Equal(1048576, sample.BlockReadBytes);
        Assert.Equal(2101248, sample.BlockWriteBytes);
    }

    [Fact]
    public void Compute_E5NoOnlineCpus_FallsBackToPercpuLength()
    {
        var frame = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:01Z","preread":"2026-11-21T21:00:00Z",
             "cpu_stats":{"cpu_usage":{"total_usage":1500000000,"percpu_usage":[1,2,3,4]},"system_cpu_usage":14000000000},
             "precpu_stats":{"cpu_usage":{"total_usage":1000000000,"percpu_usage":[1,2,3,4]},"system_cpu_usage":10000000000},
             "memory_stats":{"usage":1,"limit":2}}
            """);

        var current = StatsFrames.Current(frame);
        var sample = SampleCalculator.Compute(StatsFrames.Previous(frame).Reading, current, StatsFrames.HostMemTotal);

        Assert.Equal(4, current.OnlineCpus);
        Assert.Equal(50.00, sample!.CpuPercent, 10);
    }

    [Fact]
    public void Compute_E6WindowsFrames_UsesNumProcsAnd100NsUnits()
    {
        var first = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:00Z","preread":"0001-01-01T00:00:00Z","num_procs":2,"os_type":"windows",
             "cpu_stats":{"cpu_usage":{"total_usage":50000000}},"memory_stats":{"privateworkingset":1048576},
             "storage_stats":{"read_size_bytes":10,"write_size_bytes":20}}
            """);
        var second = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:01Z","preread":"2026-11-21T21:00:00Z","num_procs":2,"os_type":"windows",
             "cpu_stats":{"cpu_usage":{"total_usage":60000000}},"memory_stats":{"privateworkingset":2097152},
             "storage_stats":{"read_size_bytes":110,"write_size_bytes":20}}
            """);

        var sample = SampleCalculator.Compute(StatsFrames.Current(first), StatsFrames.Current(second), StatsFrames.HostMemTotal);

        Assert.NotNull(sample);
        Assert.Equal(50.00, sample.CpuPercent, 10);
        Assert.Equal(2097152, sample.MemoryUsedBytes);
        Assert.Equal(0, sample.MemoryPercent);
        Assert.Equal(100, sample.BlockReadBytesPerSecond, 10);
    }

    [Fact]
    public void Map_E7CgroupV1BlockOps_CountsReadAndWriteOnly()
    {
        var frame = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:01Z","blkio_stats":{"io_service_bytes_recursive":[
              {"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":8192},
              {"major":8,"minor":0,"op":"Sync","value":8192},{"major":8,"minor":0,"op":"Async","value":4096},
              {"major":8,"minor":0,"op":"Total","value":12288}]}}
            """);

        var reading = StatsFrames.Current(frame);

        Assert.Equal(4096UL, reading.BlockReadBytes);
        Assert.Equal(8192UL, reading.BlockWriteBytes);
    }

    [Fact]
    public void Map_Networks_SumsEveryInterface()
    {
        var frame = StatsFrames.Parse("""
            {"read":"2026-11-21T21:00:01Z","networks":{"eth0":{"rx_bytes":100,"tx_bytes":10},"eth1":{"rx_bytes":5,"tx_bytes":1}}}
            """);

        var reading = StatsFrames.Current(frame);

        Assert.Equal(105UL, reading.NetRxBytes);
        Assert.Equal(11UL, reading.NetTxBytes);
        Assert.True(reading.NetworkMeasured);
    }

    [Theory]
    [InlineData("""{"read":"2026-11-21T21:00:01Z"}""")]
    [InlineData("""{"read":"2026-11-21T21:00:01Z","networks":{}}""")]
    public void Map_NetworksAbsent_NetworkNotMeasured(string json)
    {
        // dockerd omits "networks" for host and none networks (observed on 20.10).
        var reading = StatsFrames.Current(StatsFrames.Parse(json));

        Assert.False(reading.NetworkMeasured);
    }

    [Fact]
    public void Compute_NetworkNotMeasured_NetworkFieldsNull()
    {
        var previous = Full(T0, 1000) with { NetworkMeasured = false, NetRxBytes = 0, NetTxBytes = 0 };
        var current = Full(T0.AddSeconds(1), 2000) with { NetworkMeasured = false, NetRxBytes = 0, NetTxBytes = 0 };

        var sample = SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal)!;

        Assert.Null(sample.NetRxBytes);
        Assert.Null(sample.NetTxBytes);
        Assert.Null(sample.NetRxBytesPerSecond);
        Assert.Null(sample.NetTxBytesPerSecond);
        Assert.Null(sample.ToPoint().NetRxBytesPerSecond);
        Assert.Equal(20, sample.CpuPercent, 6);
    }

    [Fact]
    public void Compute_FirstReadingAsBaseline_ReturnsNull()
    {
        Assert.Null(SampleCalculator.Compute(default, Reading(T0, cpu: 10, system: 100), StatsFrames.HostMemTotal));
    }

    [Fact]
    public void Compute_TimeDidNotAdvance_ReturnsNull()
    {
        var reading = Reading(T0, cpu: 10, system: 100);

        Assert.Null(SampleCalculator.Compute(reading, reading with { CpuTotalNanoseconds = 20 }, StatsFrames.HostMemTotal));
    }

    public static TheoryData<string> CumulativeCounters =>
    [
        nameof(CounterReading.CpuTotalNanoseconds), nameof(CounterReading.CpuUserNanoseconds),
        nameof(CounterReading.CpuKernelNanoseconds), nameof(CounterReading.SystemCpuNanoseconds),
        nameof(CounterReading.ThrottlePeriods), nameof(CounterReading.ThrottledPeriods),
        nameof(CounterReading.ThrottledTimeNanoseconds), nameof(CounterReading.NetRxBytes), nameof(CounterReading.NetTxBytes),
        nameof(CounterReading.BlockReadBytes), nameof(CounterReading.BlockWriteBytes),
    ];

    [Theory]
    [MemberData(nameof(CumulativeCounters))]
    public void Compute_CounterWentBackwards_ReturnsNullNotUnderflow(string counter)
    {
        var previous = Full(T0, 1000);
        var current = Full(T0.AddSeconds(1), 2000);
        current = counter switch
        {
            nameof(CounterReading.CpuTotalNanoseconds) => current with { CpuTotalNanoseconds = 999 },
            nameof(CounterReading.CpuUserNanoseconds) => current with { CpuUserNanoseconds = 999 },
            nameof(CounterReading.CpuKernelNanoseconds) => current with { CpuKernelNanoseconds = 999 },
            nameof(CounterReading.SystemCpuNanoseconds) => current with { SystemCpuNanoseconds = 999 },
            nameof(CounterReading.ThrottlePeriods) => current with { ThrottlePeriods = 999 },
            nameof(CounterReading.ThrottledPeriods) => current with { ThrottledPeriods = 999 },
            nameof(CounterReading.ThrottledTimeNanoseconds) => current with { ThrottledTimeNanoseconds = 999 },
            nameof(CounterReading.NetRxBytes) => current with { NetRxBytes = 999 },
            nameof(CounterReading.NetTxBytes) => current with { NetTxBytes = 999 },
            nameof(CounterReading.BlockReadBytes) => current with { BlockReadBytes = 999 },
            _ => current with { BlockWriteBytes = 999 },
        };

        Assert.NotNull(SampleCalculator.Compute(previous, Full(T0.AddSeconds(1), 2000), StatsFrames.HostMemTotal));
        Assert.Null(SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal));
    }

    [Fact]
    public void Compute_CountersNearUlongMax_DoNotOverflow()
    {
        var previous = Reading(T0, cpu: ulong.MaxValue - 2_000_000_000, system: ulong.MaxValue - 4_000_000_000);
        var current = Reading(T0.AddSeconds(1), cpu: ulong.MaxValue - 1_000_000_000, system: ulong.MaxValue - 2_000_000_000);

        var sample = SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal);

        Assert.Equal(100.0, sample!.CpuPercent, 6);
    }

    [Fact]
    public void Compute_RatesAndCumulatives_UseReadingInterval()
    {
        var previous = Full(T0, 1000);
        var current = Full(T0.AddSeconds(2), 1000) with { NetRxBytes = 3000, NetTxBytes = 1400, BlockReadBytes = 1000, BlockWriteBytes = 9000 };

        var sample = SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal)!;

        Assert.Equal(3000, sample.NetRxBytes);
        Assert.Equal(1000, sample.NetRxBytesPerSecond);
        Assert.Equal(200, sample.NetTxBytesPerSecond);
        Assert.Equal(0, sample.BlockReadBytesPerSecond);
        Assert.Equal(4000, sample.BlockWriteBytesPerSecond);
        Assert.Equal(T0.AddSeconds(2), sample.Timestamp);
    }

    [Fact]
    public void Compute_NoMemoryLimit_GivesZeroPercent()
    {
        var previous = Reading(T0, cpu: 0, system: 100);
        var current = Reading(T0.AddSeconds(1), cpu: 0, system: 200) with { MemoryUsageBytes = 4096, MemoryLimitBytes = 0 };

        var sample = SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal)!;

        Assert.Equal(0, sample.MemoryPercent);
        Assert.False(sample.MemoryLimited);
        Assert.Equal(4096, sample.MemoryUsedBytes);
    }

    [Fact]
    public void Compute_InactiveFileAboveUsage_KeepsUsage()
    {
        var previous = Reading(T0, cpu: 0, system: 100);
        var current = Reading(T0.AddSeconds(1), cpu: 0, system: 200) with
        {
            MemoryUsageBytes = 4096, MemoryInactiveFileBytes = 8192, MemoryLimitBytes = 8192,
        };

        Assert.Equal(4096, SampleCalculator.Compute(previous, current, StatsFrames.HostMemTotal)!.MemoryUsedBytes);
    }

    private static CounterReading Reading(DateTimeOffset at, ulong cpu, ulong system) =>
        new(at, cpu, 0, 0, system, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static CounterReading Full(DateTimeOffset at, ulong value) =>
        new(at, value, value, value, value * 10, 2, value, value, value, 1000, 100000, 0, value, value, value, value, 1, 0);
}
