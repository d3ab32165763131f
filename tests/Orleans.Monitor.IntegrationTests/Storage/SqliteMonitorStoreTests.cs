using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Sqlite;

namespace Orleans.Monitor.IntegrationTests.Storage;

/// <summary>The store contract on a SQLite file in a temp folder.</summary>
public sealed class SqliteMonitorStoreTests : MonitorStoreContractTests
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omon-sqlite-" + Guid.NewGuid().ToString("N"));

    protected override Task PrepareDatabaseAsync() => Task.CompletedTask;

    protected override IMonitorStore OpenStore() =>
        new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = Path.Combine(_dataPath, "nested") }));

    [Fact]
    public async Task InitializeAsync_NewFolder_CreatesWalDatabase()
    {
        var store = (SqliteMonitorStore)OpenStore();

        await store.InitializeAsync(Ct);

        Assert.True(File.Exists(store.DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task InitializeAsync_DataPathIsAFile_FailsNamingTheSetting()
    {
        var file = Path.Combine(_dataPath, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", Ct);
        var store = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = file }));

        var error = await Assert.ThrowsAsync<InvalidSettingException>(() => store.InitializeAsync(Ct));

        Assert.Contains("Storage:DataPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_DatabaseOfTheSchemaBeforePeriodCounts_AddsTheColumnsAndKeepsEveryRow()
    {
        // A file as the schema before the period columns (its first six steps) left it, with minute and hour rows.
        var dataPath = Path.Combine(_dataPath, "previous");
        Directory.CreateDirectory(dataPath);
        var migrations = (IReadOnlyList<string>)typeof(SqliteMonitorStore).Assembly.GetType("Orleans.Monitor.Storage.Sqlite.SqliteSchema")!
            .GetProperty("Migrations")!.GetValue(null)!;
        var start = StoreSamples.BaseMinute.ToUnixTimeSeconds();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataPath, "monitor.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await ExecuteAsync(connection, "CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);");
            for (var version = 1; version <= 6; version++)
            {
                await ExecuteAsync(connection, migrations[version - 1] + $"; INSERT INTO schema_version VALUES({version}, '2026-03-01T00:00:00Z');");
            }

            await ExecuteAsync(connection, $"""
                WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 2)
                INSERT INTO minute_aggregates SELECT 'c1', 'host-a', {start} + n * 60, 60, 25, 20, 30, 29, 100, 90, 110, 108, 1024,
                    0, 0, 0, 0, 3, 900000000 + n, 15000000000, NULL FROM i;
                INSERT INTO hour_aggregates VALUES('c1', 'host-a', {start}, 180, 25, 20, 30, 29, 100, 90, 110, 108, 1024,
                    0, 0, 0, 0, 3, 2700000003, 45000000000, NULL, 3);
                """);
        }

        var store = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = dataPath }));
        await store.InitializeAsync(Ct);

        var range = new TimeRange(StoreSamples.BaseMinute, StoreSamples.BaseMinute.AddHours(1));
        var minutes = await store.GetContainerHistoryAsync("c1", range, Ct);
        var hours = await store.GetContainerHoursAsync("c1", range, Ct);
        Assert.Equal([900_000_000L, 900_000_001L, 900_000_002L], minutes.Select(m => m.ThrottledTimeNanoseconds));
        Assert.All(minutes, m => Assert.Equal((0L, 0L, 25.0), (m.ThrottlePeriods, m.ThrottledPeriods, m.CpuPercentAvg)));
        var hour = Assert.Single(hours);
        Assert.Equal((0L, 0L, 2_700_000_003L), (hour.ThrottlePeriods, hour.ThrottledPeriods, hour.ThrottledTimeNanoseconds));

        // The migrated tables take the counts.
        var counted = minutes[0] with { ThrottlePeriods = 600, ThrottledPeriods = 540 };
        await store.WriteAggregatesAsync([counted], Ct);
        Assert.Equal(counted, (await store.GetContainerHistoryAsync("c1", range, Ct))[0]);
    }

    public override async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataPath, recursive: true);
        await base.DisposeAsync();
    }

    private async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
