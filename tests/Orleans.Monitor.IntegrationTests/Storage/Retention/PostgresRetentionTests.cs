using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Postgres;

namespace Orleans.Monitor.IntegrationTests.Storage.Retention;

/// <summary>Rollup and retention on PostgreSQL, where minute and hour tables are partitioned by day.</summary>
public sealed class PostgresRetentionTests(PostgresServer server) : RetentionJobContractTests, IClassFixture<PostgresServer>
{
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private string _connectionString = "";

    protected override async Task PrepareDatabaseAsync() =>
        _connectionString = await server.CreateDatabaseAsync(Ct);

    protected override IMonitorStore OpenStore()
    {
        var dataSource = PostgresStartup.CreateDataSource(_connectionString);
        _dataSources.Add(dataSource);
        return new PostgresMonitorStore(
            dataSource,
            Options.Create(new StorageOptions { StartupTimeout = TimeSpan.FromSeconds(5) }),
            TimeProvider.System,
            NullLogger<PostgresMonitorStore>.Instance);
    }

    [Fact]
    public async Task RunOnceAsync_OldDays_DropsTheirPartitionsAndCreatesDaysAhead()
    {
        await Store.WriteAggregatesAsync([.. Enumerable.Range(15, 5).Select(d => Minute("c1", Now.AddDays(-d)))], Ct);
        await Rollups.PrepareAsync(Now.AddDays(-19), 0, Ct);
        Assert.Contains("minute_aggregates_p20260302", await PartitionsAsync("minute_aggregates"));

        await Job().RunOnceAsync(Ct);

        var partitions = await PartitionsAsync("minute_aggregates");
        Assert.DoesNotContain(partitions, p => string.CompareOrdinal(p, "minute_aggregates_p20260307") < 0 && p != "minute_aggregates_default");
        Assert.Contains("minute_aggregates_p20260321", partitions);
        Assert.Contains("minute_aggregates_p20260324", partitions);
        Assert.Contains("hour_aggregates_p20260324", await PartitionsAsync("hour_aggregates"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM minute_aggregates_default;"));
    }

    [Fact]
    public async Task InitializeAsync_UnpartitionedTableWithRows_ConvertsKeepingEveryRow()
    {
        // A database as the previous schema version left it: minute_aggregates a plain table with rows.
        var database = await server.CreateDatabaseAsync(Ct);
        var dataSource = PostgresStartup.CreateDataSource(database);
        _dataSources.Add(dataSource);
        await using (var command = dataSource.CreateCommand(
            "CREATE TABLE schema_version(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());"))
        {
            await command.ExecuteNonQueryAsync(Ct);
        }

        var migrations = typeof(PostgresMonitorStore).Assembly.GetType("Orleans.Monitor.Storage.Postgres.PostgresSchema")!
            .GetProperty("Migrations")!.GetValue(null) as IReadOnlyList<string>;
        for (var version = 1; version <= 4; version++)
        {
            await using var step = dataSource.CreateCommand(migrations![version - 1] + $"; INSERT INTO schema_version(version) VALUES({version});");
            await step.ExecuteNonQueryAsync(Ct);
        }

        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO minute_aggregates
            SELECT 'c' || (i % 3), 'host-a', timestamptz '2026-03-19 00:00:00+00' + i * interval '1 hour', 60, 1, 1, 1, 1,
                   1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, NULL
            FROM generate_series(0, 71) AS i;
            """))
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }

        var store = new PostgresMonitorStore(
            dataSource,
            Options.Create(new StorageOptions { StartupTimeout = TimeSpan.FromSeconds(5) }),
            TimeProvider.System,
            NullLogger<PostgresMonitorStore>.Instance);
        await store.InitializeAsync(Ct);

        await using var check = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM minute_aggregates),
                   (SELECT count(*) FROM pg_inherits WHERE inhparent = 'minute_aggregates'::regclass),
                   (SELECT count(*) FROM minute_aggregates_default);
            """);
        await using var reader = await check.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(72L, reader.GetInt64(0));
        Assert.Equal(4L, reader.GetInt64(1)); // three days and the default partition
        Assert.Equal(0L, reader.GetInt64(2));
    }

    public override async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private async Task<IReadOnlyList<string>> PartitionsAsync(string table)
    {
        await using var command = _dataSources[0].CreateCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(@t) ORDER BY 1;");
        command.Parameters.AddWithValue("t", table);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _dataSources[0].CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
