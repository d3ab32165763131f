using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Postgres;
using Orleans.Monitor.Storage.Sqlite;

namespace Orleans.Monitor.IntegrationTests.Storage;

/// <summary>AddMonitorStorage picks the store from configuration and fails start with a message naming the setting.</summary>
public sealed class StorageHostingExtensionsTests(PostgresServer server) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omon-di-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AddMonitorStorage_NoConnectionString_UsesSqliteUnderDataPath()
    {
        using var host = Build(new() { ["Storage:DataPath"] = _dataPath });

        await host.StartAsync();

        Assert.IsType<SqliteMonitorStore>(host.Services.GetRequiredService<IMonitorStore>());
        Assert.True(File.Exists(Path.Combine(_dataPath, "monitor.db")));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMonitorStorage_ConnectionString_UsesPostgres()
    {
        using var host = Build(new() { ["ConnectionStrings:Monitor"] = server.ConnectionString });

        await host.StartAsync();

        var store = host.Services.GetRequiredService<IMonitorStore>();
        Assert.IsType<PostgresMonitorStore>(store);
        Assert.Empty(await store.GetHostsAsync(CancellationToken.None));
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Nonsense Key=1", "not a valid PostgreSQL connection string")]
    [InlineData("Host=127.0.0.1;Port=1;Username=postgres;Database=x;Timeout=2", "cannot be used")]
    public async Task AddMonitorStorage_BadConnectionString_FailsStartNamingTheSetting(string connectionString, string reason)
    {
        using var host = Build(new() { ["ConnectionStrings:Monitor"] = connectionString, ["Storage:StartupTimeout"] = "00:00:00" });

        var error = await Assert.ThrowsAsync<InvalidSettingException>(() => host.StartAsync());

        Assert.StartsWith("ConnectionStrings:Monitor", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMonitorStorage();
        return builder.Build();
    }
}
