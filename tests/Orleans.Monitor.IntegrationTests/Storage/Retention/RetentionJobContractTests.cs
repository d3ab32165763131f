using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.IntegrationTests.Storage.Retention;

/// <summary>The rollup and retention pass against a real store; each store runs it through a subclass.</summary>
public abstract class RetentionJobContractTests : IAsyncLifetime, IDisposable
{
    /// <summary>"Now" of these tests: 30 minutes into an hour, 20 days after the oldest rows written.</summary>
    protected static readonly DateTimeOffset Now = new(2026, 3, 21, 12, 30, 0, TimeSpan.Zero);

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(120));
    private IMonitorStore? _store;

    protected IMonitorStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected IRollupStore Rollups => (IRollupStore)Store;

    protected CancellationToken Ct => _timeout.Token;

    protected abstract Task PrepareDatabaseAsync();

    protected abstract IMonitorStore OpenStore();

    public async Task InitializeAsync()
    {
        await PrepareDatabaseAsync();
        _store = OpenStore();
        await _store.InitializeAsync(Ct);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task RunOnceAsync_MinutesOlderThanRetention_AreGoneAndNewerKept()
    {
        // Minutes every 6 hours over the last 20 days, for two containers: some older than 14 days, some not.
        var rows = Enumerable.Range(0, 80)
            .SelectMany(i => new[] { Minute("c1", Now.AddHours(-6 * i).AddMinutes(-1)), Minute("c2", Now.AddHours(-6 * i).AddMinutes(-1)) })
            .ToList();
        await Store.WriteAggregatesAsync(rows, Ct);
        var cutoff = Now - TimeSpan.FromDays(14);

        var pass = await Job(batchSize: 7).RunOnceAsync(Ct);

        var left = await Rollups.GetMinutesAsync(new TimeRange(Now.AddDays(-30), Now.AddDays(1)), Ct);
        Assert.Equal(rows.Count(r => r.Minute >= cutoff), left.Count);
        Assert.All(left, r => Assert.True(r.Minute >= cutoff, $"{r.ContainerId} {r.Minute:O} is older than {cutoff:O}"));
        Assert.Equal(rows.Count(r => r.Minute < cutoff), pass.MinuteRowsRemoved);
    }

    [Fact]
    public async Task RunOnceAsync_KnownMinutes_BuildsClosedHoursAsTheRollupDefines()
    {
        // Two full closed hours of c1 with known values, a partial hour of c2, and minutes of the open hour.
        var hour = new DateTimeOffset(2026, 3, 21, 10, 0, 0, TimeSpan.Zero);
        var minutes = new List<MinuteAggregate>();
        for (var m = 0; m < 60; m++)
        {
            minutes.Add(Minute("c1", hour.AddMinutes(m), cpu: m, p95: m + 0.5, samples: 60, memory: 1_000 + m, rx: 10));
            minutes.Add(Minute("c1", hour.AddHours(1).AddMinutes(m), cpu: 2, p95: 3, samples: 30, memory: 5_000, rx: null));
        }

        minutes.Add(Minute("c2", hour.AddMinutes(5), cpu: 4, p95: 4, samples: 60, memory: 10, rx: 7));
        minutes.Add(Minute("c2", hour.AddMinutes(6), cpu: 8, p95: 8, samples: 20, memory: 20, rx: 3));
        minutes.Add(Minute("c1", Now.AddMinutes(-5)));
        await Store.WriteAggregatesAsync(minutes, Ct);

        var pass = await Job().RunOnceAsync(Ct);

        Assert.Equal(2, pass.HoursRolledUp);
        var c1 = await Rollups.GetContainerHoursAsync("c1", new TimeRange(hour, Now.AddHours(1)), Ct);
        Assert.Equal([hour, hour.AddHours(1)], c1.Select(h => h.Minute));
        var first = c1[0];
        Assert.Equal(3600, first.SampleCount);
        Assert.Equal(29.5, first.CpuPercentAvg, 9);
        Assert.Equal(0, first.CpuPercentMin);
        Assert.Equal(59, first.CpuPercentMax);
        // Nearest rank of 60 minute p95s (0.5 ... 59.5): rank 57, the value 56.5.
        Assert.Equal(56.5, first.CpuPercentP95, 9);
        Assert.Equal(1_030, first.MemoryUsedBytesAvg);
        Assert.Equal(600, first.NetRxBytes);
        Assert.Equal(60 * 3_000, first.BlockReadBytes);
        Assert.Equal(60 * 7_000_000_000L, first.CpuTimeNanoseconds);
        Assert.Equal(1800, c1[1].SampleCount);
        Assert.Null(c1[1].NetRxBytes);

        var c2 = Assert.Single(await Rollups.GetContainerHoursAsync("c2", new TimeRange(hour, Now), Ct));
        Assert.Equal(80, c2.SampleCount);
        Assert.Equal(5.0, c2.CpuPercentAvg, 9);
        Assert.Equal(8, c2.CpuPercentP95);
        Assert.Equal(10, c2.NetRxBytes);
        Assert.Equal(13, c2.MemoryUsedBytesAvg); // (10 × 60 + 20 × 20) / 80 = 12.5, rounded half away from zero

        var host = await Rollups.GetHostHoursAsync("host-a", new TimeRange(hour, Now), Ct);
        Assert.Equal(3, host.Count);
    }

    [Fact]
    public async Task RunOnceAsync_RunAgainAndLateMinutes_SameHoursThenTheLateMinuteCounted()
    {
        var hour = new DateTimeOffset(2026, 3, 21, 9, 0, 0, TimeSpan.Zero);
        await Store.WriteAggregatesAsync([.. Enumerable.Range(0, 30).Select(m => Minute("c1", hour.AddMinutes(m), samples: 60))], Ct);
        await Job().RunOnceAsync(Ct);
        var before = await Rollups.GetContainerHoursAsync("c1", new TimeRange(hour, hour.AddHours(1)), Ct);

        var again = await Job().RunOnceAsync(Ct);

        Assert.Equal(0, again.HoursRolledUp);
        Assert.Equal(before, await Rollups.GetContainerHoursAsync("c1", new TimeRange(hour, hour.AddHours(1)), Ct));

        // A minute that arrives late (a spool replayed after an outage) makes the hour stale: it is rolled up again.
        await Store.WriteAggregatesAsync([Minute("c1", hour.AddMinutes(45), samples: 60)], Ct);
        var late = await Job().RunOnceAsync(Ct);

        Assert.Equal(1, late.HoursRolledUp);
        var after = Assert.Single(await Rollups.GetContainerHoursAsync("c1", new TimeRange(hour, hour.AddHours(1)), Ct));
        Assert.Equal(31 * 60, after.SampleCount);
    }

    [Fact]
    public async Task RunOnceAsync_HoursOlderThanRetention_AreGone()
    {
        var old = HourRollup.HourOf(Now - TimeSpan.FromDays(401));
        var kept = HourRollup.HourOf(Now - TimeSpan.FromDays(399));
        await Rollups.PrepareAsync(Now, 3, Ct);
        await Rollups.ReplaceHourAsync(old, HourRollup.Build([Minute("c1", old)]), Ct);
        await Rollups.ReplaceHourAsync(kept, HourRollup.Build([Minute("c1", kept)]), Ct);

        var pass = await Job().RunOnceAsync(Ct);

        Assert.Equal(1, pass.HourRowsRemoved);
        var left = await Rollups.GetContainerHoursAsync("c1", new TimeRange(old.AddDays(-1), Now), Ct);
        Assert.Equal([kept], left.Select(h => h.Minute));
    }

    protected RetentionJob Job(int batchSize = 10_000) =>
        new(
            Rollups,
            Options.Create(new RetentionOptions { BatchSize = batchSize }),
            new FakeTimeProvider(Now),
            NullLogger<RetentionJob>.Instance);

    protected static MinuteAggregate Minute(
        string container, DateTimeOffset minute, double cpu = 10, double p95 = 12, int samples = 60, long memory = 1_000, long? rx = 10) =>
        new(container, "host-a", minute, samples, cpu, cpu, cpu, p95, memory, memory, memory, memory, 1L << 30,
            rx, rx, 3_000, 4_000, 5, 0, 7_000_000_000, rx is null ? null : container);
}
