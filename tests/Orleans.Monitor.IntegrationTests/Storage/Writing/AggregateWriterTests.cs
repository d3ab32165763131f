using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Postgres;
using Orleans.Monitor.Storage.Sqlite;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.IntegrationTests.Storage.Writing;

/// <summary>The batched writer against real stores, including a PostgreSQL outage in the middle of writing.</summary>
public sealed class AggregateWriterTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _sqlitePath = Path.Combine(Path.GetTempPath(), "omon-writer-" + Guid.NewGuid().ToString("N"));
    private NpgsqlDataSource? _dataSource;
    private PostgresMonitorStore? _store;

    private PostgresMonitorStore Store => _store!;

    public async Task InitializeAsync()
    {
        if (!server.IsRunning)
        {
            await server.StartAsync();
        }

        _dataSource = PostgresStartup.CreateDataSource(await server.CreateDatabaseAsync());
        _store = new PostgresMonitorStore(
            _dataSource,
            Options.Create(new StorageOptions()),
            TimeProvider.System,
            NullLogger<PostgresMonitorStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_sqlitePath))
        {
            Directory.Delete(_sqlitePath, recursive: true);
        }
    }

    [Fact]
    public async Task Writer_DatabaseStoppedThenStarted_WritesEveryRowExactlyOnce()
    {
        var counting = new CountingStore(Store);
        using var writer = CreateWriter(counting, new AggregateWriterOptions
        {
            FlushInterval = TimeSpan.FromMilliseconds(100),
            MaxBatchSize = 64,
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        });
        await writer.StartAsync(CancellationToken.None);

        writer.Enqueue(StoreSamples.Host("host-a"), StoreSamples.BaseMinute);
        foreach (var minute in Enumerable.Range(0, 100))
        {
            writer.Enqueue(StoreSamples.Aggregate("c1", minute));
        }

        await Poll.UntilAsync(async () => (await History()).Count == 100, Deadline, "the first rows to be written", () => $"{counting.Written.Count} rows written");

        await server.StopAsync();
        writer.Enqueue([StoreSamples.Container("c1")]);
        foreach (var minute in Enumerable.Range(100, 200))
        {
            writer.Enqueue(StoreSamples.Aggregate("c1", minute));
        }

        await Poll.UntilAsync(
            () => writer.FailedFlushCount >= 2, Deadline, "flushes to fail while the database is down", () => $"{writer.FailedFlushCount} failed flushes");
        Assert.Equal(200, writer.PendingCount);

        await server.StartAsync();
        await Poll.UntilAsync(
            () => writer.PendingCount == 0, Deadline, "the queue to drain after the database is back", () => $"{writer.PendingCount} pending");
        await writer.StopAsync(CancellationToken.None);

        var history = await History();
        Assert.Equal(Enumerable.Range(0, 300).Select(m => StoreSamples.Aggregate("c1", m)), history);

        // Every minute was committed once: none lost in the failed flushes, none written again after they succeeded.
        Assert.Equal(
            Enumerable.Range(0, 300).Select(m => (("c1", StoreSamples.Aggregate("c1", m).Minute), 1)),
            counting.Written.Select(w => ((w.Key.ContainerId, w.Key.Minute), w.Value)).OrderBy(w => w.Item1.Minute));
        Assert.Equal("c1", (await Store.FindContainerAsync("c1", CancellationToken.None)).Container?.Id);
        Assert.NotNull(await Store.GetHostAsync("host-a", CancellationToken.None));
        Assert.Equal(0, writer.DroppedCount);
    }

    [Fact]
    public async Task Writer_EventsDuringDatabaseOutage_EveryEventWrittenExactlyOnce()
    {
        var counting = new CountingStore(Store);
        using var writer = CreateWriter(counting, new AggregateWriterOptions
        {
            FlushInterval = TimeSpan.FromMilliseconds(100),
            MaxBatchSize = 16,
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        });
        await writer.StartAsync(CancellationToken.None);
        var events = Enumerable.Range(0, 100)
            .Select(s => StoreSamples.Event("c1", s % 2 == 0 ? ContainerEventActions.Start : ContainerEventActions.Die, s))
            .ToArray();
        foreach (var e in events[..40])
        {
            writer.Enqueue(e);
        }

        await Poll.UntilAsync(async () => (await Events()).Count == 40, Deadline, "the first events to be written", () => $"{writer.PendingEventCount} pending");

        await server.StopAsync();
        foreach (var e in events[40..])
        {
            writer.Enqueue(e);
        }

        await Poll.UntilAsync(
            () => writer.FailedFlushCount >= 2, Deadline, "flushes to fail while the database is down", () => $"{writer.FailedFlushCount} failed flushes");
        Assert.Equal(60, writer.PendingEventCount);

        await server.StartAsync();
        await Poll.UntilAsync(
            () => writer.PendingEventCount == 0, Deadline, "the event queue to drain after the database is back", () => $"{writer.PendingEventCount} pending");
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(events.Reverse().Select(e => (e.Action, e.TimeNano)), (await Events()).Select(e => (e.Action, e.TimeNano)));
        Assert.All(counting.EventsWritten, w => Assert.Equal(1, w.Value));
        Assert.Equal(100, counting.EventsWritten.Count);
        Assert.Equal(0, writer.DroppedEventCount);
    }

    [Fact]
    public async Task StopAsync_RowsQueuedBeforeTheInterval_AreFlushed()
    {
        using var writer = CreateWriter(Store, new AggregateWriterOptions { FlushInterval = TimeSpan.FromHours(1) });
        await writer.StartAsync(CancellationToken.None);
        writer.Enqueue(StoreSamples.Aggregate("c1", 0));
        writer.Enqueue(StoreSamples.Aggregate("c1", 1));

        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(2, (await History()).Count);
    }

    [Fact]
    public async Task Writer_BatchSizeReached_FlushesBeforeTheInterval()
    {
        using var writer = CreateWriter(Store, new AggregateWriterOptions { FlushInterval = TimeSpan.FromHours(1), MaxBatchSize = 10 });
        await writer.StartAsync(CancellationToken.None);

        foreach (var minute in Enumerable.Range(0, 10))
        {
            writer.Enqueue(StoreSamples.Aggregate("c1", minute));
        }

        await Poll.UntilAsync(async () => (await History()).Count == 10, Deadline, "a full batch to be written");
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task FlushAsync_QueueOverCapacity_DropsTheOldestRows()
    {
        var sqlite = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = _sqlitePath }));
        await sqlite.InitializeAsync(CancellationToken.None);
        using var writer = CreateWriter(sqlite, new AggregateWriterOptions { MaxBatchSize = 4, MaxPendingAggregates = 10 });

        foreach (var minute in Enumerable.Range(0, 15))
        {
            writer.Enqueue(StoreSamples.Aggregate("c1", minute));
        }

        await writer.FlushAsync(CancellationToken.None);

        var history = await sqlite.GetContainerHistoryAsync("c1", FullRange, CancellationToken.None);
        Assert.Equal(Enumerable.Range(5, 10), history.Select(a => (int)(a.Minute - StoreSamples.BaseMinute).TotalMinutes));
        Assert.Equal(5, writer.DroppedCount);
    }

    [Fact]
    public void Constructor_InvalidOptions_FailsNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => CreateWriter(Store, new AggregateWriterOptions { MaxBatchSize = 0 }));

        Assert.Contains("Storage:Writer:MaxBatchSize", error.Message, StringComparison.Ordinal);
    }

    private static readonly TimeRange FullRange = new(StoreSamples.BaseMinute, StoreSamples.BaseMinute.AddDays(1));

    private Task<IReadOnlyList<Contracts.Metrics.MinuteAggregate>> History() =>
        Store.GetContainerHistoryAsync("c1", FullRange, CancellationToken.None);

    private Task<IReadOnlyList<Contracts.Containers.ContainerEvent>> Events() =>
        Store.GetContainerEventsAsync("c1", new TimeRange(DateTimeOffset.MinValue, DateTimeOffset.MaxValue), 1000, CancellationToken.None);

    private static AggregateWriter CreateWriter(IMonitorStore store, AggregateWriterOptions options) =>
        new(store, Options.Create(options), TimeProvider.System, NullLogger<AggregateWriter>.Instance);
}
