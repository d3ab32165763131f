using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Postgres;

namespace Orleans.Monitor.IntegrationTests.Storage;

/// <summary>The store contract on a fresh database of a throwaway PostgreSQL cluster.</summary>
public sealed class PostgresMonitorStoreTests(PostgresServer server) : MonitorStoreContractTests, IClassFixture<PostgresServer>
{
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private string _connectionString = "";

    protected override async Task PrepareDatabaseAsync() =>
        _connectionString = await server.CreateDatabaseAsync(Ct);

    protected override IMonitorStore OpenStore() => Open(_connectionString);

    [Fact]
    public async Task InitializeAsync_MissingDatabase_FailsNamingTheConnectionString()
    {
        var store = Open(server.BuildConnectionString("no_such_database", pooling: false));

        var error = await Assert.ThrowsAsync<InvalidSettingException>(() => store.InitializeAsync(Ct));

        Assert.StartsWith("ConnectionStrings:Monitor", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateDataSource_MalformedConnectionString_FailsNamingTheConnectionString()
    {
        var error = Assert.Throws<InvalidSettingException>(() => PostgresStartup.CreateDataSource("Host=x;Bogus Key=1"));

        Assert.StartsWith("ConnectionStrings:Monitor", error.Message, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private PostgresMonitorStore Open(string connectionString)
    {
        var dataSource = PostgresStartup.CreateDataSource(connectionString);
        _dataSources.Add(dataSource);
        return new PostgresMonitorStore(
            dataSource,
            Options.Create(new StorageOptions { StartupTimeout = TimeSpan.FromSeconds(5) }),
            TimeProvider.System,
            NullLogger<PostgresMonitorStore>.Instance);
    }
}
