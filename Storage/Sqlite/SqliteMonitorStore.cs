using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Sqlite;

/// <summary>The standalone store: one SQLite file (<c>monitor.db</c>, WAL) under <see cref="StorageOptions.DataPath"/>.</summary>
public sealed partial class SqliteMonitorStore(IOptions<StorageOptions> options) : IMonitorStore, IRollupStore
{
    private const string ContainerColumns =
        "id, host_id, name, image, labels, compose_project, compose_service, state, health, created, started_at, finished_at, exit_code, oom_killed, removed, restart_count, last_exit_code";

    private const string EventColumns = "container_id, host_id, time_ns, action, name, image, exit_code, signal, health, attributes";

    private const string AggregateColumns =
        "container_id, host_id, minute, sample_count, cpu_percent_avg, cpu_percent_min, cpu_percent_max, cpu_percent_p95, " +
        "memory_used_bytes_avg, memory_used_bytes_min, memory_used_bytes_max, memory_used_bytes_p95, memory_limit_bytes, " +
        "net_rx_bytes, net_tx_bytes, block_read_bytes, block_write_bytes, pids_max, throttled_time_ns, cpu_time_ns, network_namespace, " +
        "throttle_periods, throttled_periods";

    /// <summary>How many columns <see cref="AggregateColumns"/> names (parameters <c>$c0</c> onwards).</summary>
    private const int AggregateParameterCount = 23;

    private const string HostColumns =
        "host_id, name, cpus, memory_total_bytes, operating_system, kernel_version, docker_version, api_version, cgroup_version, cgroup_driver, stats_source, last_seen";

    private readonly StorageOptions _options = options.Value;

    /// <summary>The database file this store uses.</summary>
    public string DatabasePath { get; } = Path.GetFullPath(Path.Combine(options.Value.DataPath, StoreRows.FileName));

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await SqliteSchema.MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new InvalidSettingException(
                $"{StorageOptions.SectionName}:{nameof(StorageOptions.DataPath)} ('{_options.DataPath}') cannot hold the database {DatabasePath}: {ex.Message}",
                ex);
        }
    }

    public async Task UpsertHostAsync(HostInfo host, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO hosts({HostColumns})
            VALUES($host_id, $name, $cpus, $mem, $os, $kernel, $docker, $api, $cgv, $cgd, $src, $seen)
            ON CONFLICT(host_id) DO UPDATE SET
                name = excluded.name, cpus = excluded.cpus, memory_total_bytes = excluded.memory_total_bytes,
                operating_system = excluded.operating_system, kernel_version = excluded.kernel_version,
                docker_version = excluded.docker_version, api_version = excluded.api_version,
                cgroup_version = excluded.cgroup_version, cgroup_driver = excluded.cgroup_driver,
                stats_source = excluded.stats_source, last_seen = excluded.last_seen;
            """;
        var p = command.Parameters;
        p.AddWithValue("$host_id", host.HostId);
        p.AddWithValue("$name", host.Name);
        p.AddWithValue("$cpus", host.Cpus);
        p.AddWithValue("$mem", host.MemoryTotalBytes);
        p.AddWithValue("$os", host.OperatingSystem);
        p.AddWithValue("$kernel", host.KernelVersion);
        p.AddWithValue("$docker", host.DockerVersion);
        p.AddWithValue("$api", host.ApiVersion);
        p.AddWithValue("$cgv", host.CgroupVersion);
        p.AddWithValue("$cgd", host.CgroupDriver);
        p.AddWithValue("$src", host.StatsSource);
        p.AddWithValue("$seen", FormatTime(seenAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpsertContainersAsync(IReadOnlyCollection<ContainerInfo> containers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containers);
        if (containers.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO containers({ContainerColumns})
            VALUES($id, $host_id, $name, $image, $labels, $cp, $cs, $state, $health, $created, $started, $finished, $exit, $oom, $removed, $restarts, $last_exit)
            ON CONFLICT(id) DO UPDATE SET
                host_id = excluded.host_id, name = excluded.name, image = excluded.image, labels = excluded.labels,
                compose_project = excluded.compose_project, compose_service = excluded.compose_service,
                state = excluded.state, health = excluded.health, created = excluded.created,
                started_at = excluded.started_at, finished_at = excluded.finished_at, exit_code = excluded.exit_code,
                oom_killed = excluded.oom_killed, removed = excluded.removed,
                restart_count = excluded.restart_count, last_exit_code = excluded.last_exit_code;
            """;
        string[] names = ["$id", "$host_id", "$name", "$image", "$labels", "$cp", "$cs", "$state", "$health", "$created", "$started", "$finished", "$exit", "$oom", "$removed", "$restarts", "$last_exit"];
        var parameters = names.Select(n => command.Parameters.AddWithValue(n, DBNull.Value)).ToArray();
        command.Prepare();
        foreach (var c in containers)
        {
            parameters[0].Value = c.Id;
            parameters[1].Value = c.HostId;
            parameters[2].Value = c.Name;
            parameters[3].Value = c.Image;
            parameters[4].Value = StoreRows.SerializeLabels(c.Labels);
            parameters[5].Value = (object?)c.ComposeProject ?? DBNull.Value;
            parameters[6].Value = (object?)c.ComposeService ?? DBNull.Value;
            parameters[7].Value = c.State;
            parameters[8].Value = (object?)c.Health ?? DBNull.Value;
            parameters[9].Value = FormatTime(c.Created);
            parameters[10].Value = c.StartedAt is { } started ? FormatTime(started) : DBNull.Value;
            parameters[11].Value = c.FinishedAt is { } finished ? FormatTime(finished) : DBNull.Value;
            parameters[12].Value = (object?)c.ExitCode ?? DBNull.Value;
            parameters[13].Value = c.OomKilled ? 1 : 0;
            parameters[14].Value = c.Removed ? 1 : 0;
            parameters[15].Value = c.RestartCount;
            parameters[16].Value = (object?)c.LastExitCode ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAggregatesAsync(IReadOnlyCollection<MinuteAggregate> aggregates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        if (aggregates.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO minute_aggregates({AggregateColumns})
            VALUES($c0, $c1, $c2, $c3, $c4, $c5, $c6, $c7, $c8, $c9, $c10, $c11, $c12, $c13, $c14, $c15, $c16, $c17, $c18, $c19, $c20, $c21, $c22)
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
            """;
        var parameters = Enumerable.Range(0, AggregateParameterCount).Select(i => command.Parameters.AddWithValue($"$c{i}", DBNull.Value)).ToArray();
        command.Prepare();
        foreach (var a in aggregates)
        {
            SetAggregateParameters(parameters, a);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {HostColumns} FROM hosts ORDER BY name, host_id;";
        return await StoreRows.ReadAllAsync(command, ReadHostRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredHost?> GetHostAsync(string hostId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {HostColumns} FROM hosts WHERE host_id = $id;";
        command.Parameters.AddWithValue("$id", hostId);
        var hosts = await StoreRows.ReadAllAsync(command, ReadHostRow, cancellationToken).ConfigureAwait(false);
        return hosts.Count == 0 ? null : hosts[0];
    }

    public async Task<IReadOnlyList<ContainerInfo>> GetContainersAsync(ContainerQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {ContainerColumns} FROM containers
            WHERE ($host IS NULL OR host_id = $host)
              AND ($state IS NULL OR lower(state) = lower($state))
              AND ($name IS NULL OR instr(lower(name), lower($name)) > 0)
              AND ($include_removed = 1 OR removed = 0)
            ORDER BY host_id, name, id;
            """;
        command.Parameters.AddWithValue("$host", (object?)query.HostId ?? DBNull.Value);
        command.Parameters.AddWithValue("$state", (object?)query.State ?? DBNull.Value);
        command.Parameters.AddWithValue("$name", (object?)query.NameContains ?? DBNull.Value);
        command.Parameters.AddWithValue("$include_removed", query.IncludeRemoved ? 1 : 0);
        return await StoreRows.ReadAllAsync(command, ReadContainerRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ContainerLookup> FindContainerAsync(string idOrPrefix, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(idOrPrefix))
        {
            return ContainerLookup.NotFound;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // LIKE is case-insensitive in SQLite; the substr comparison keeps prefixes exact, as on PostgreSQL.
        command.CommandText = $"""
            SELECT {ContainerColumns} FROM containers WHERE id = $id
            UNION ALL
            SELECT * FROM (
                SELECT {ContainerColumns} FROM containers
                WHERE id LIKE $pattern ESCAPE '\' AND substr(id, 1, length($id)) = $id
                  AND NOT EXISTS (SELECT 1 FROM containers WHERE id = $id)
                LIMIT 2);
            """;
        command.Parameters.AddWithValue("$id", idOrPrefix);
        command.Parameters.AddWithValue("$pattern", StoreRows.PrefixPattern(idOrPrefix));
        var matches = await StoreRows.ReadAllAsync(command, ReadContainerRow, cancellationToken).ConfigureAwait(false);
        return StoreRows.ToLookup(matches);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetContainerHistoryAsync(string containerId, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE container_id = $id AND minute >= $start AND minute < $end
            ORDER BY minute;
            """;
        AddRange(command, containerId, range);
        return await StoreRows.ReadAllAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetHostHistoryAsync(string hostId, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE host_id = $id AND minute >= $start AND minute < $end
            ORDER BY minute, container_id;
            """;
        AddRange(command, hostId, range);
        return await StoreRows.ReadAllAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetContainersHistoryAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        ArgumentNullException.ThrowIfNull(range);
        if (containerIds.Count == 0)
        {
            return [];
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // One JSON array parameter, however many ids: SQLite caps the number of bound parameters.
        command.CommandText = $"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE container_id IN (SELECT value FROM json_each($ids)) AND minute >= $start AND minute < $end
            ORDER BY minute, container_id;
            """;
        command.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(containerIds));
        command.Parameters.AddWithValue("$start", CeilingSeconds(range.Start));
        command.Parameters.AddWithValue("$end", CeilingSeconds(range.End));
        return await StoreRows.ReadAllAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteEventsAsync(IReadOnlyCollection<ContainerEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO container_events({EventColumns})
            VALUES($c0, $c1, $c2, $c3, $c4, $c5, $c6, $c7, $c8, $c9)
            ON CONFLICT(container_id, time_ns, action) DO NOTHING;
            """;
        var parameters = Enumerable.Range(0, 10).Select(i => command.Parameters.AddWithValue($"$c{i}", DBNull.Value)).ToArray();
        command.Prepare();
        foreach (var e in events)
        {
            parameters[0].Value = e.ContainerId;
            parameters[1].Value = e.HostId;
            parameters[2].Value = e.TimeNano;
            parameters[3].Value = e.Action;
            parameters[4].Value = (object?)e.Name ?? DBNull.Value;
            parameters[5].Value = (object?)e.Image ?? DBNull.Value;
            parameters[6].Value = (object?)e.ExitCode ?? DBNull.Value;
            parameters[7].Value = (object?)e.Signal ?? DBNull.Value;
            parameters[8].Value = (object?)e.Health ?? DBNull.Value;
            parameters[9].Value = StoreRows.SerializeLabels(e.Attributes);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ContainerEvent>> GetContainerEventsAsync(string containerId, TimeRange range, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {EventColumns} FROM container_events
            WHERE container_id = $id AND time_ns >= $start AND time_ns < $end
            ORDER BY time_ns DESC, action DESC
            LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$id", containerId);
        command.Parameters.AddWithValue("$start", ContainerEvent.ToUnixNanoseconds(range.Start));
        command.Parameters.AddWithValue("$end", ContainerEvent.ToUnixNanoseconds(range.End));
        command.Parameters.AddWithValue("$limit", limit);
        return await StoreRows.ReadAllAsync(command, StoreRows.ReadEvent, cancellationToken).ConfigureAwait(false);
    }

    private static void AddRange(SqliteCommand command, string id, TimeRange range)
    {
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$start", CeilingSeconds(range.Start));
        command.Parameters.AddWithValue("$end", CeilingSeconds(range.End));
    }

    // Minutes are stored in whole seconds; rounding a bound up keeps the comparison half-open for sub-second bounds.
    private static long CeilingSeconds(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        return time > DateTimeOffset.FromUnixTimeSeconds(seconds) ? seconds + 1 : seconds;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Default,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            // busy_timeout makes a writer wait for the lock instead of failing; NORMAL is durable enough under WAL.
            pragma.CommandText = string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout={(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous=NORMAL;");
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Round-trip ISO-8601 in UTC sorts as text and keeps every tick.
    private static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static StoredHost ReadHostRow(DbDataReader r) => StoreRows.ReadHost(r, static (r, i) => ParseTime(r.GetString(i)));

    private static ContainerInfo ReadContainerRow(DbDataReader r) => StoreRows.ReadContainer(r, static (r, i) => ParseTime(r.GetString(i)));

    private static MinuteAggregate ReadAggregateRow(DbDataReader r) =>
        StoreRows.ReadAggregate(r, static (r, i) => DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(i)));

    /// <summary>Sets parameters 0 to 22 (the aggregate columns, in table order) from one row (a minute, or an hour of rollups).</summary>
    private static void SetAggregateParameters(SqliteParameter[] parameters, MinuteAggregate a)
    {
        parameters[0].Value = a.ContainerId;
        parameters[1].Value = a.HostId;
        parameters[2].Value = a.Minute.ToUnixTimeSeconds();
        parameters[3].Value = a.SampleCount;
        parameters[4].Value = a.CpuPercentAvg;
        parameters[5].Value = a.CpuPercentMin;
        parameters[6].Value = a.CpuPercentMax;
        parameters[7].Value = a.CpuPercentP95;
        parameters[8].Value = a.MemoryUsedBytesAvg;
        parameters[9].Value = a.MemoryUsedBytesMin;
        parameters[10].Value = a.MemoryUsedBytesMax;
        parameters[11].Value = a.MemoryUsedBytesP95;
        parameters[12].Value = a.MemoryLimitBytes;
        parameters[13].Value = a.NetRxBytes ?? 0;
        parameters[14].Value = a.NetTxBytes ?? 0;
        parameters[15].Value = a.BlockReadBytes;
        parameters[16].Value = a.BlockWriteBytes;
        parameters[17].Value = a.PidsMax;
        parameters[18].Value = a.ThrottledTimeNanoseconds;
        parameters[19].Value = a.CpuTimeNanoseconds;
        parameters[20].Value = StoreRows.NetworkNamespaceColumn(a) is { } network ? network : DBNull.Value;
        parameters[21].Value = a.ThrottlePeriods;
        parameters[22].Value = a.ThrottledPeriods;
    }
}
