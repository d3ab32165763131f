using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Postgres;

/// <summary>The cluster store: the same tables and behaviour as the SQLite store, on a shared PostgreSQL database.</summary>
public sealed partial class PostgresMonitorStore(
    NpgsqlDataSource dataSource,
    IOptions<StorageOptions> options,
    TimeProvider timeProvider,
    ILogger<PostgresMonitorStore> logger) : IMonitorStore, IRollupStore
{
    private const string ContainerColumns =
        "id, host_id, name, image, labels::text, compose_project, compose_service, state, health, created, started_at, finished_at, exit_code, oom_killed, removed, restart_count, last_exit_code";

    private const string EventColumns = "container_id, host_id, time_ns, action, name, image, exit_code, signal, health, attributes";

    private const string AggregateColumns =
        "container_id, host_id, minute, sample_count, cpu_percent_avg, cpu_percent_min, cpu_percent_max, cpu_percent_p95, " +
        "memory_used_bytes_avg, memory_used_bytes_min, memory_used_bytes_max, memory_used_bytes_p95, memory_limit_bytes, " +
        "net_rx_bytes, net_tx_bytes, block_read_bytes, block_write_bytes, pids_max, throttled_time_ns, cpu_time_ns, network_namespace, " +
        "throttle_periods, throttled_periods";

    private const string HostColumns =
        "host_id, name, cpus, memory_total_bytes, operating_system, kernel_version, docker_version, api_version, cgroup_version, cgroup_driver, stats_source, last_seen";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await PostgresStartup.RunAsync(
            dataSource,
            options.Value.StartupTimeout,
            timeProvider,
            logger,
            ct => PostgresSchema.MigrateAsync(dataSource, ct),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task UpsertHostAsync(HostInfo host, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO hosts({HostColumns})
            VALUES(@host_id, @name, @cpus, @mem, @os, @kernel, @docker, @api, @cgv, @cgd, @src, @seen)
            ON CONFLICT(host_id) DO UPDATE SET
                name = excluded.name, cpus = excluded.cpus, memory_total_bytes = excluded.memory_total_bytes,
                operating_system = excluded.operating_system, kernel_version = excluded.kernel_version,
                docker_version = excluded.docker_version, api_version = excluded.api_version,
                cgroup_version = excluded.cgroup_version, cgroup_driver = excluded.cgroup_driver,
                stats_source = excluded.stats_source, last_seen = excluded.last_seen;
            """);
        var p = command.Parameters;
        p.AddWithValue("host_id", host.HostId);
        p.AddWithValue("name", host.Name);
        p.AddWithValue("cpus", host.Cpus);
        p.AddWithValue("mem", host.MemoryTotalBytes);
        p.AddWithValue("os", host.OperatingSystem);
        p.AddWithValue("kernel", host.KernelVersion);
        p.AddWithValue("docker", host.DockerVersion);
        p.AddWithValue("api", host.ApiVersion);
        p.AddWithValue("cgv", host.CgroupVersion);
        p.AddWithValue("cgd", host.CgroupDriver);
        p.AddWithValue("src", host.StatsSource);
        p.AddWithValue("seen", seenAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpsertContainersAsync(IReadOnlyCollection<ContainerInfo> containers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containers);
        if (containers.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var c in containers)
        {
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO containers(id, host_id, name, image, labels, compose_project, compose_service, state, health, created, started_at, finished_at, exit_code, oom_killed, removed, restart_count, last_exit_code)
                VALUES(@id, @host_id, @name, @image, @labels, @cp, @cs, @state, @health, @created, @started, @finished, @exit, @oom, @removed, @restarts, @last_exit)
                ON CONFLICT(id) DO UPDATE SET
                    host_id = excluded.host_id, name = excluded.name, image = excluded.image, labels = excluded.labels,
                    compose_project = excluded.compose_project, compose_service = excluded.compose_service,
                    state = excluded.state, health = excluded.health, created = excluded.created,
                    started_at = excluded.started_at, finished_at = excluded.finished_at, exit_code = excluded.exit_code,
                    oom_killed = excluded.oom_killed, removed = excluded.removed,
                    restart_count = excluded.restart_count, last_exit_code = excluded.last_exit_code;
                """);
            var p = command.Parameters;
            p.AddWithValue("id", c.Id);
            p.AddWithValue("host_id", c.HostId);
            p.AddWithValue("name", c.Name);
            p.AddWithValue("image", c.Image);
            p.AddWithValue("labels", NpgsqlDbType.Jsonb, StoreRows.SerializeLabels(c.Labels));
            p.AddWithValue("cp", NpgsqlDbType.Text, (object?)c.ComposeProject ?? DBNull.Value);
            p.AddWithValue("cs", NpgsqlDbType.Text, (object?)c.ComposeService ?? DBNull.Value);
            p.AddWithValue("state", c.State);
            p.AddWithValue("health", NpgsqlDbType.Text, (object?)c.Health ?? DBNull.Value);
            p.AddWithValue("created", c.Created.ToUniversalTime());
            p.AddWithValue("started", NpgsqlDbType.TimestampTz, c.StartedAt is { } started ? started.ToUniversalTime() : DBNull.Value);
            p.AddWithValue("finished", NpgsqlDbType.TimestampTz, c.FinishedAt is { } finished ? finished.ToUniversalTime() : DBNull.Value);
            p.AddWithValue("exit", NpgsqlDbType.Integer, (object?)c.ExitCode ?? DBNull.Value);
            p.AddWithValue("oom", c.OomKilled);
            p.AddWithValue("removed", c.Removed);
            p.AddWithValue("restarts", c.RestartCount);
            p.AddWithValue("last_exit", NpgsqlDbType.Integer, (object?)c.LastExitCode ?? DBNull.Value);
            batch.BatchCommands.Add(command);
        }

        // A batch without an explicit transaction runs in an implicit one: all containers or none.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAggregatesAsync(IReadOnlyCollection<MinuteAggregate> aggregates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        if (aggregates.Count == 0)
        {
            return;
        }

        var rows = StoreRows.LastPerKey(aggregates);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE aggregates_in (LIKE minute_aggregates INCLUDING DEFAULTS) ON COMMIT DROP;",
            connection,
            transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Binary COPY moves thousands of rows in one round-trip; the upsert from the temp table keeps it idempotent.
        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY aggregates_in ({AggregateColumns}) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var a in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await WriteAggregateColumnsAsync(importer, a, cancellationToken).ConfigureAwait(false);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var upsert = new NpgsqlCommand(
            $"""
            INSERT INTO minute_aggregates({AggregateColumns})
            SELECT {AggregateColumns} FROM aggregates_in
            ON CONFLICT(container_id, minute) DO UPDATE SET
                host_id = excluded.host_id, sample_count = excluded.sample_count,
                cpu_percent_avg = excluded.cpu_percent_avg, cpu_percent_min = excluded.cpu_percent_min,
                cpu_percent_max = excluded.cpu_percent_max, cpu_percent_p95 = excluded.cpu_percent_p95,
                memory_used_bytes_avg = excluded.memory_used_bytes_avg, memory_used_bytes_min = excluded.memory_used_bytes_min,
                memory_used_bytes_max = excluded.memory_used_bytes_max, memory_used_bytes_p95 = excluded.memory_used_bytes_p95,
                memory_limit_bytes = excluded.memory_limit_bytes, net_rx_bytes = excluded.net_rx_bytes,
                net_tx_bytes = excluded.net_tx_bytes, block_read_bytes = excluded.block_read_bytes,
                block_write_bytes = excluded.block_write_bytes, pids_max = excluded.pids_max,
                throttled_time_ns = excluded.throttled_time_ns, cpu_time_ns = excluded.cpu_time_ns,
                network_namespace = excluded.network_namespace, throttle_periods = excluded.throttle_periods,
                throttled_periods = excluded.throttled_periods;
            """,
            connection,
            transaction))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""SELECT {HostColumns} FROM hosts ORDER BY name COLLATE "C", host_id COLLATE "C";""");
        return await ReadAsync(command, ReadHostRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredHost?> GetHostAsync(string hostId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {HostColumns} FROM hosts WHERE host_id = @id;");
        command.Parameters.AddWithValue("id", hostId);
        var hosts = await ReadAsync(command, ReadHostRow, cancellationToken).ConfigureAwait(false);
        return hosts.Count == 0 ? null : hosts[0];
    }

    public async Task<IReadOnlyList<ContainerInfo>> GetContainersAsync(ContainerQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand($"""
            SELECT {ContainerColumns} FROM containers
            WHERE (@host::text IS NULL OR host_id = @host)
              AND (@state::text IS NULL OR lower(state) = lower(@state))
              AND (@name::text IS NULL OR strpos(lower(name), lower(@name)) > 0)
              AND (@include_removed OR NOT removed)
            ORDER BY host_id COLLATE "C", name COLLATE "C", id COLLATE "C";
            """);
        command.Parameters.AddWithValue("host", NpgsqlDbType.Text, (object?)query.HostId ?? DBNull.Value);
        command.Parameters.AddWithValue("state", NpgsqlDbType.Text, (object?)query.State ?? DBNull.Value);
        command.Parameters.AddWithValue("name", NpgsqlDbType.Text, (object?)query.NameContains ?? DBNull.Value);
        command.Parameters.AddWithValue("include_removed", query.IncludeRemoved);
        return await ReadAsync(command, ReadContainerRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ContainerLookup> FindContainerAsync(string idOrPrefix, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(idOrPrefix))
        {
            return ContainerLookup.NotFound;
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT {ContainerColumns} FROM containers WHERE id = @id
            UNION ALL
            (SELECT {ContainerColumns} FROM containers
             WHERE id LIKE @pattern ESCAPE '\' AND NOT EXISTS (SELECT 1 FROM containers WHERE id = @id)
             LIMIT 2);
            """);
        command.Parameters.AddWithValue("id", idOrPrefix);
        command.Parameters.AddWithValue("pattern", StoreRows.PrefixPattern(idOrPrefix));
        var matches = await ReadAsync(command, ReadContainerRow, cancellationToken).ConfigureAwait(false);
        return StoreRows.ToLookup(matches);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetContainerHistoryAsync(string containerId, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand($"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE container_id = @id AND minute >= @start AND minute < @end
            ORDER BY minute;
            """);
        AddRange(command, containerId, range);
        return await ReadAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetHostHistoryAsync(string hostId, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand($"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE host_id = @id AND minute >= @start AND minute < @end
            ORDER BY minute, container_id COLLATE "C";
            """);
        AddRange(command, hostId, range);
        return await ReadAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetContainersHistoryAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        ArgumentNullException.ThrowIfNull(range);
        if (containerIds.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE container_id = ANY(@ids) AND minute >= @start AND minute < @end
            ORDER BY minute, container_id COLLATE "C";
            """);
        command.Parameters.AddWithValue("ids", containerIds.ToArray());
        command.Parameters.AddWithValue("start", range.Start.ToUniversalTime());
        command.Parameters.AddWithValue("end", range.End.ToUniversalTime());
        return await ReadAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteEventsAsync(IReadOnlyCollection<ContainerEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var e in StoreRows.DistinctEvents(events))
        {
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO container_events({EventColumns})
                VALUES(@id, @host_id, @time_ns, @action, @name, @image, @exit, @signal, @health, @attributes)
                ON CONFLICT(container_id, time_ns, action) DO NOTHING;
                """);
            var p = command.Parameters;
            p.AddWithValue("id", e.ContainerId);
            p.AddWithValue("host_id", e.HostId);
            p.AddWithValue("time_ns", e.TimeNano);
            p.AddWithValue("action", e.Action);
            p.AddWithValue("name", NpgsqlDbType.Text, (object?)e.Name ?? DBNull.Value);
            p.AddWithValue("image", NpgsqlDbType.Text, (object?)e.Image ?? DBNull.Value);
            p.AddWithValue("exit", NpgsqlDbType.Integer, (object?)e.ExitCode ?? DBNull.Value);
            p.AddWithValue("signal", NpgsqlDbType.Text, (object?)e.Signal ?? DBNull.Value);
            p.AddWithValue("health", NpgsqlDbType.Text, (object?)e.Health ?? DBNull.Value);
            p.AddWithValue("attributes", NpgsqlDbType.Jsonb, StoreRows.SerializeLabels(e.Attributes));
            batch.BatchCommands.Add(command);
        }

        // One implicit transaction: all events of the batch or none.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ContainerEvent>> GetContainerEventsAsync(string containerId, TimeRange range, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand($"""
            SELECT container_id, host_id, time_ns, action, name, image, exit_code, signal, health, attributes::text FROM container_events
            WHERE container_id = @id AND time_ns >= @start AND time_ns < @end
            ORDER BY time_ns DESC, action COLLATE "C" DESC
            LIMIT @limit;
            """);
        command.Parameters.AddWithValue("id", containerId);
        command.Parameters.AddWithValue("start", ContainerEvent.ToUnixNanoseconds(range.Start));
        command.Parameters.AddWithValue("end", ContainerEvent.ToUnixNanoseconds(range.End));
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAsync(command, StoreRows.ReadEvent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads all rows, once more after dropping the pool when the first attempt met a connection the server had
    /// closed: after PostgreSQL restarts, every idle pooled connection fails once, and an Api would answer 500s.
    /// </summary>
    private async Task<IReadOnlyList<T>> ReadAsync<T>(NpgsqlCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        try
        {
            return await StoreRows.ReadAllAsync(command, read, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex.IsTransient || ex is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown })
        {
            dataSource.Clear();
            return await StoreRows.ReadAllAsync(command, read, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AddRange(NpgsqlCommand command, string id, TimeRange range)
    {
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("start", range.Start.ToUniversalTime());
        command.Parameters.AddWithValue("end", range.End.ToUniversalTime());
    }

    private static StoredHost ReadHostRow(DbDataReader r) => StoreRows.ReadHost(r, static (r, i) => r.GetFieldValue<DateTimeOffset>(i));

    private static ContainerInfo ReadContainerRow(DbDataReader r) => StoreRows.ReadContainer(r, static (r, i) => r.GetFieldValue<DateTimeOffset>(i));

    private static MinuteAggregate ReadAggregateRow(DbDataReader r) => StoreRows.ReadAggregate(r, static (r, i) => r.GetFieldValue<DateTimeOffset>(i));

    /// <summary>Writes the columns of <see cref="AggregateColumns"/> of one row (a minute, or an hour of rollups).</summary>
    private static async Task WriteAggregateColumnsAsync(NpgsqlBinaryImporter importer, MinuteAggregate a, CancellationToken cancellationToken)
    {
        await importer.WriteAsync(a.ContainerId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.HostId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.Minute.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.SampleCount, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.CpuPercentAvg, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.CpuPercentMin, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.CpuPercentMax, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.CpuPercentP95, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.MemoryUsedBytesAvg, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.MemoryUsedBytesMin, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.MemoryUsedBytesMax, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.MemoryUsedBytesP95, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.MemoryLimitBytes, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.NetRxBytes ?? 0, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.NetTxBytes ?? 0, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.BlockReadBytes, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.BlockWriteBytes, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.PidsMax, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.ThrottledTimeNanoseconds, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.CpuTimeNanoseconds, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        if (StoreRows.NetworkNamespaceColumn(a) is { } network)
        {
            await importer.WriteAsync(network, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }

        await importer.WriteAsync(a.ThrottlePeriods, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(a.ThrottledPeriods, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
    }
}
