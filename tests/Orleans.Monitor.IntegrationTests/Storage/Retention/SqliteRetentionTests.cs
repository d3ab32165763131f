using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Sqlite;

namespace Orleans.Monitor.IntegrationTests.Storage.Retention;

/// <summary>Rollup and retention on a SQLite file: batched deletes and incremental vacuum.</summary>
public sealed class SqliteRetentionTests : RetentionJobContractTests
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omon-retention-" + Guid.NewGuid().ToString("N"));

    protected override Task PrepareDatabaseAsync() => Task.CompletedTask;

    protected override IMonitorStore OpenStore() =>
        new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = _dataPath }));

    [Fact]
    public async Task InitializeAsync_ExistingFileWithoutAutoVacuum_SwitchesToIncrementalKeepingRows()
    {
        // A file as earlier versions made it: tables created with auto_vacuum off.
        var path = Path.Combine(_dataPath, "old");
        Directory.CreateDirectory(path);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(path, "monitor.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE keep(x INTEGER); INSERT INTO keep VALUES (42);";
            await command.ExecuteNonQueryAsync(Ct);
        }

        var store = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = path }));
        await store.InitializeAsync(Ct);

        await using var check = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        await check.OpenAsync(Ct);
        await using var read = check.CreateCommand();
        read.CommandText = "PRAGMA auto_vacuum;";
        Assert.Equal(2L, await read.ExecuteScalarAsync(Ct));
        read.CommandText = "SELECT x FROM keep;";
        Assert.Equal(42L, await read.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task RunOnceAsync_ManyOldRows_FileShrinks()
    {
        var old = Now - TimeSpan.FromDays(20);
        for (var batch = 0; batch < 10; batch++)
        {
            await Store.WriteAggregatesAsync(
                [.. Enumerable.Range(0, 2_000).Select(i => Minute($"container-{batch}-{i % 50}", old.AddMinutes(i / 50 * 1.0 + (batch * 100))))],
                Ct);
        }

        var store = (SqliteMonitorStore)Store;
        await Checkpoint(store);
        var before = new FileInfo(store.DatabasePath).Length;

        var pass = await Job(batchSize: 1_000).RunOnceAsync(Ct);
        await Checkpoint(store);

        Assert.Equal(20_000, pass.MinuteRowsRemoved);
        var after = new FileInfo(store.DatabasePath).Length;
        Assert.True(after < before / 2, $"the file kept {after} of {before} bytes");
    }

    private async Task Checkpoint(SqliteMonitorStore store)
    {
        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(Ct);
    }
}
