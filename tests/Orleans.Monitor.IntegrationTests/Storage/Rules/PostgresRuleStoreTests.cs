using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Postgres;
using Orleans.Monitor.Storage.Rules;

namespace Orleans.Monitor.IntegrationTests.Storage.Rules;

/// <summary>The rule store contract on a fresh database of a throwaway PostgreSQL cluster.</summary>
public sealed class PostgresRuleStoreTests(PostgresServer server) : RuleStoreContractTests, IClassFixture<PostgresServer>
{
    private NpgsqlDataSource? _dataSource;

    protected override async Task<(IMonitorStore Monitor, IRuleStore Rules)> OpenAsync()
    {
        _dataSource = PostgresStartup.CreateDataSource(await server.CreateDatabaseAsync(Ct));
        var monitor = new PostgresMonitorStore(
            _dataSource,
            Options.Create(new StorageOptions { StartupTimeout = TimeSpan.FromSeconds(5) }),
            TimeProvider.System,
            NullLogger<PostgresMonitorStore>.Instance);
        return (monitor, new PostgresRuleStore(_dataSource));
    }

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
