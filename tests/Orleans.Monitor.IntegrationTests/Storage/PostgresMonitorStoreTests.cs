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

    [Fact]
    public async Task InitializeAsync_DatabaseOfTheSchemaBeforePeriodCounts_AddsTheColumnsToEveryPartitionAndKeepsEveryRow()
    {
        // A database as the schema before the period columns (its first seven steps) left it: minute rows in a day's
        // partition and in the default partition, an hour row.
        var database = await server.CreateDatabaseAsync(Ct);
        var dataSource = PostgresStartup.CreateDataSource(database);
        _dataSources.Add(dataSource);
        var migrations = (IReadOnlyList<string>)typeof(PostgresMonitorStore).Assembly.GetType("Orleans.Monitor.Storage.Postgres.PostgresSchema")!
            .GetProperty("Migrations")!.GetValue(null)!;
        await ExecuteAsync(dataSource, "CREATE TABLE schema_version(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());");
        for (var version = 1; version <= 7; version++)
        {
            await ExecuteAsync(dataSource, migrations[version - 1] + $"; INSERT INTO schema_version(version) VALUES({version});");
        }

        await ExecuteAsync(dataSource, """
            CREATE TABLE minute_aggregates_p20260301 PARTITION OF minute_aggregates
                FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-03-02 00:00:00+00');
            INSERT INTO minute_aggregates
            SELECT 'c1', 'host-a', timestamptz '2026-03-01 12:00:00+00' + i * interval '1 minute', 60, 25, 20, 30, 29,
                   100, 90, 110, 108, 1024, 0, 0, 0, 0, 3, 900000000 + i, 15000000000, NULL
            FROM generate_series(0, 2) AS i;
            INSERT INTO minute_aggregates
            VALUES ('c1', 'host-a', '2026-03-05 12:00:00+00', 60, 25, 20, 30, 29, 100, 90, 110, 108, 1024, 0, 0, 0, 0, 3, 7, 15000000000, NULL);
            INSERT INTO hour_aggregates
            VALUES ('c1', 'host-a', '2026-03-01 12:00:00+00', 180, 25, 20, 30, 29, 100, 90, 110, 108, 1024, 0, 0, 0, 0, 3, 2700000003, 45000000000, NULL, 3);
            """);

        var store = Open(database);
        await store.InitializeAsync(Ct);

        var range = new TimeRange(StoreSamples.BaseMinute, StoreSamples.BaseMinute.AddDays(5));
        var minutes = await store.GetContainerHistoryAsync("c1", range, Ct);
        var hour = Assert.Single(await store.GetContainerHoursAsync("c1", range, Ct));
        Assert.Equal([900_000_000L, 900_000_001L, 900_000_002L, 7L], minutes.Select(m => m.ThrottledTimeNanoseconds));
        Assert.All(minutes, m => Assert.Equal((0L, 0L, 25.0), (m.ThrottlePeriods, m.ThrottledPeriods, m.CpuPercentAvg)));
        Assert.Equal((0L, 0L, 2_700_000_003L), (hour.ThrottlePeriods, hour.ThrottledPeriods, hour.ThrottledTimeNanoseconds));
        await using (var columns = dataSource.CreateCommand("""
            SELECT count(*) FROM information_schema.columns
            WHERE column_name IN ('throttle_periods', 'throttled_periods')
              AND table_name IN ('minute_aggregates', 'minute_aggregates_p20260301', 'minute_aggregates_default', 'hour_aggregates', 'hour_aggregates_default');
            """))
        {
            Assert.Equal(10L, await columns.ExecuteScalarAsync(Ct));
        }

        // The migrated tables take the counts, in the day's partition too.
        var counted = minutes[0] with { ThrottlePeriods = 600, ThrottledPeriods = 540 };
        await store.WriteAggregatesAsync([counted], Ct);
        Assert.Equal(counted, (await store.GetContainerHistoryAsync("c1", range, Ct))[0]);
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

    private async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
