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

    public override async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataPath, recursive: true);
        await base.DisposeAsync();
    }
}
