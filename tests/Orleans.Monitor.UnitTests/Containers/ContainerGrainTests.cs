using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Live;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.UnitTests.Runtime;
using Orleans.Monitor.UnitTests.Support;

namespace Orleans.Monitor.UnitTests.Containers;

/// <summary>The container grain on a fake clock, fed by a scripted stats source: windows, minutes, restarts.</summary>
public sealed class ContainerGrainTests : IAsyncDisposable
{
    private const string HostId = "host-1";
    private const string Id = "c0ffee0000000000000000000000000000000000000000000000000000000001";
    private const long HostMemory = 8L << 30;

    // 12:00:30 so the first minute closes after thirty samples.
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 30, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly ScriptedSource _source;
    private readonly RecordingSink _sink = new();
    private readonly ServiceProvider _services;
    private readonly GrainRuntime _runtime;

    public ContainerGrainTests()
    {
        _source = new ScriptedSource(_time);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IStatsSource>(_source);
        services.AddSingleton<IMonitorSink>(_sink);
        services.AddSingleton<LiveBoard>();
        services.AddOptions<SamplingOptions>();
        services.AddGrainRuntime();
        services.AddGrain<IContainerGrain, ContainerGrain>();
        services.AddSingleton<ChildReports>();
        _services = services.BuildServiceProvider();
        _runtime = _services.GetRequiredService<GrainRuntime>();
    }

    [Fact]
    public async Task Sampling_AcrossMinuteBoundary_ClosesMinuteAndKeepsWindow()
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        await grain.ApplyAsync(Assignment(startedAt: Start.AddHours(-1))).Within();

        // 0.5 s of CPU per 1 s on a 2-CPU host: docker stats shows 50 %.
        await TickAsync(count: 95, cpuPerSecond: 500_000_000);

        // 12:00:31 .. 12:02:05: the partial 12:00 minute and the full 12:01 minute are closed; 12:02 is open.
        Assert.Equal(2, _sink.Minutes.Count);
        var first = _sink.Minutes.First();
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), first.Minute);
        Assert.Equal(28, first.SampleCount);
        var minute = _sink.Minutes.Last();
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 1, 0, TimeSpan.Zero), minute.Minute);
        Assert.Equal(Id, minute.ContainerId);
        Assert.Equal(HostId, minute.HostId);
        Assert.Equal(60, minute.SampleCount);
        Assert.Equal(50, minute.CpuPercentAvg, 6);
        Assert.Equal(50, minute.CpuPercentP95, 6);
        Assert.Equal(1000L * minute.SampleCount, minute.NetRxBytes);

        var window = await grain.GetWindowAsync(600).Within();
        Assert.Equal(94, window.Count); // the first reading is only a baseline
        Assert.All(window, p => Assert.Equal(50f, p.CpuPercent, 3));
        Assert.Equal(30, (await grain.GetWindowAsync(30).Within()).Count);

        var live = Assert.Single(_services.GetRequiredService<LiveBoard>().Snapshot(HostId));
        Assert.Equal(50, live.Sample!.CpuPercent, 6);
        Assert.Equal(1000, live.Sample.NetRxBytesPerSecond, 6);
    }

    [Fact]
    public async Task Apply_RestartedContainer_CountersStartOverWithoutSpike()
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        await grain.ApplyAsync(Assignment(startedAt: Start.AddHours(-1))).Within();
        await TickAsync(count: 5, cpuPerSecond: 1_000_000_000);

        // A restart: new cgroup, counters from zero, and the grain is told the new start time.
        _source.ResetCounters();
        await grain.ApplyAsync(Assignment(startedAt: Start.AddSeconds(5))).Within();
        await TickAsync(count: 5, cpuPerSecond: 200_000_000);

        var window = await grain.GetWindowAsync(600).Within();
        Assert.Equal(8, window.Count); // 4 before and 4 after: each reader's first reading is a baseline
        Assert.Equal([100f, 100f, 100f, 100f, 20f, 20f, 20f, 20f], window.Select(p => MathF.Round(p.CpuPercent, 3)));
        Assert.Equal(2, _source.ReadersCreated);
    }

    [Fact]
    public async Task Sampling_CounterGoesBackwards_DropsThatSample()
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        await grain.ApplyAsync(Assignment(startedAt: Start)).Within();
        await TickAsync(count: 3, cpuPerSecond: 1_000_000_000);
        _source.ResetCounters(); // the same target, but the counters went back (e.g. a daemon restart)
        await TickAsync(count: 3, cpuPerSecond: 1_000_000_000);

        var window = await grain.GetWindowAsync(600).Within();
        Assert.Equal(4, window.Count);
        Assert.All(window, p => Assert.Equal(100f, p.CpuPercent, 3));
    }

    [Fact]
    public async Task Sampling_ContainerGone_ReportsToHostOnce()
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        await grain.ApplyAsync(Assignment(startedAt: Start)).Within();
        await TickAsync(count: 2, cpuPerSecond: 1);
        _source.Gone = true;
        await TickAsync(count: 3, cpuPerSecond: 1);

        // The reader is closed on the first Gone, so later ticks report nothing more.
        var report = Assert.Single(_services.GetRequiredService<ChildReports>().Drain(HostId));
        Assert.Equal(Id, report.ContainerId);
        Assert.Null(report.FaultReason);
    }

    [Fact]
    public async Task Remove_OpenMinute_IsFlushedAndBoardCleared()
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        await grain.ApplyAsync(Assignment(startedAt: Start)).Within();
        await TickAsync(count: 10, cpuPerSecond: 1_000_000_000);

        var removed = Info(Start) with { State = ContainerState.Removed, Removed = true };
        await grain.RemoveAsync(removed).Within();

        var minute = Assert.Single(_sink.Minutes);
        Assert.Equal(9, minute.SampleCount);
        Assert.Empty(_services.GetRequiredService<LiveBoard>().Snapshot(HostId));
        Assert.Contains(_sink.Containers, c => c.Id == Id && c.Removed);
    }

    public async ValueTask DisposeAsync()
    {
        await _runtime.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }

    /// <summary>What the host grain does each interval: the clock moves a second, then the grain samples.</summary>
    private async Task TickAsync(int count, ulong cpuPerSecond)
    {
        var grain = _runtime.GetGrain<IContainerGrain>(Id);
        for (var i = 0; i < count; i++)
        {
            _source.CpuPerSecond = cpuPerSecond;
            _time.Advance(TimeSpan.FromSeconds(1));
            await grain.SampleAsync().Within();
        }
    }

    private static ContainerInfo Info(DateTimeOffset startedAt) => new(
        Id, HostId, "web", "busybox:local", new Dictionary<string, string>(), null, null,
        ContainerState.Running, null, startedAt, startedAt, null, null, false, false);

    private static ContainerAssignment Assignment(DateTimeOffset startedAt) =>
        new(Info(startedAt), new ContainerTarget(Id, 4242, startedAt), HostMemory);

    /// <summary>Cumulative counters that grow by a set amount per second of the fake clock.</summary>
    private sealed class ScriptedSource(TimeProvider time) : IStatsSource
    {
        private ulong _cpu;
        private ulong _system;
        private ulong _rx;
        private int _reads;
        private int _readers;

        public string Name => "scripted";

        public ulong CpuPerSecond { get; set; }

        public bool Gone { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        public int ReadersCreated => Volatile.Read(ref _readers);

        public void ResetCounters() => (_cpu, _rx) = (0, 0);

        public IContainerStatsReader CreateReader(ContainerTarget target)
        {
            Interlocked.Increment(ref _readers);
            return new Reader(this);
        }

        private sealed class Reader(ScriptedSource source) : IContainerStatsReader
        {
            public ValueTask<StatsReadResult> ReadAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref source._reads);
                if (source.Gone)
                {
                    return ValueTask.FromResult(StatsReadResult.WithStatus(ReadingStatus.Gone));
                }

                source._cpu += source.CpuPerSecond;
                source._system += 2_000_000_000;
                source._rx += 1000;
                var reading = new CounterReading(
                    source.Timestamp(), source._cpu, source._cpu, 0, source._system, 2,
                    0, 0, 0, 1 << 20, 64 << 20, 0, source._rx, 0, 0, 0, 1, 0);
                return ValueTask.FromResult(StatsReadResult.Of(reading));
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        private DateTimeOffset Timestamp() => time.GetUtcNow();
    }

    private sealed class RecordingSink : IMonitorSink
    {
        public ConcurrentQueue<MinuteAggregate> Minutes { get; } = new();

        public ConcurrentQueue<ContainerInfo> Containers { get; } = new();

        public void HostSeen(HostInfo host)
        {
        }

        public void ContainerChanged(ContainerInfo container) => Containers.Enqueue(container);

        public void MinuteClosed(MinuteAggregate aggregate) => Minutes.Enqueue(aggregate);
    }
}
