using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Rules;
using Orleans.Monitor.Storage.Sqlite;

namespace Orleans.Monitor.IntegrationTests.Storage.Rules;

/// <summary>The rule store contract on a SQLite file in a temp folder.</summary>
public sealed class SqliteRuleStoreTests : RuleStoreContractTests
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omon-rules-" + Guid.NewGuid().ToString("N"));

    protected override Task<(IMonitorStore Monitor, IRuleStore Rules)> OpenAsync()
    {
        var options = Options.Create(new StorageOptions { DataPath = _dataPath });
        return Task.FromResult<(IMonitorStore, IRuleStore)>((new SqliteMonitorStore(options), new SqliteRuleStore(options)));
    }

    public override async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataPath, recursive: true);
        await base.DisposeAsync();
    }
}
