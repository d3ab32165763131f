using Microsoft.Data.Sqlite;

namespace Orleans.Monitor.Storage.Sqlite;

/// <summary>The SQLite schema as an ordered list of migrations; step N brings the file to version N.</summary>
internal static class SqliteSchema
{
    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE hosts(
            host_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            cpus INTEGER NOT NULL,
            memory_total_bytes INTEGER NOT NULL,
            operating_system TEXT NOT NULL,
            kernel_version TEXT NOT NULL,
            docker_version TEXT NOT NULL,
            api_version TEXT NOT NULL,
            cgroup_version TEXT NOT NULL,
            cgroup_driver TEXT NOT NULL,
            stats_source TEXT NOT NULL,
            last_seen TEXT NOT NULL);

        CREATE TABLE containers(
            id TEXT PRIMARY KEY,
            host_id TEXT NOT NULL,
            name TEXT NOT NULL,
            image TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '{}',
            compose_project TEXT,
            compose_service TEXT,
            state TEXT NOT NULL,
            health TEXT,
            created TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            exit_code INTEGER,
            oom_killed INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX containers_host ON containers(host_id);

        CREATE TABLE minute_aggregates(
            container_id TEXT NOT NULL,
            host_id TEXT NOT NULL,
            minute INTEGER NOT NULL,
            sample_count INTEGER NOT NULL,
            cpu_percent_avg REAL NOT NULL,
            cpu_percent_min REAL NOT NULL,
            cpu_percent_max REAL NOT NULL,
            cpu_percent_p95 REAL NOT NULL,
            memory_used_bytes_avg INTEGER NOT NULL,
            memory_used_bytes_min INTEGER NOT NULL,
            memory_used_bytes_max INTEGER NOT NULL,
            memory_used_bytes_p95 INTEGER NOT NULL,
            memory_limit_bytes INTEGER NOT NULL,
            net_rx_bytes INTEGER NOT NULL,
            net_tx_bytes INTEGER NOT NULL,
            block_read_bytes INTEGER NOT NULL,
            block_write_bytes INTEGER NOT NULL,
            pids_max INTEGER NOT NULL,
            throttled_time_ns INTEGER NOT NULL,
            PRIMARY KEY(container_id, minute)) WITHOUT ROWID;
        CREATE INDEX minute_aggregates_host ON minute_aggregates(host_id, minute);
        """,
        """
        ALTER TABLE containers ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE containers ADD COLUMN last_exit_code INTEGER;

        CREATE TABLE container_events(
            container_id TEXT NOT NULL,
            host_id TEXT NOT NULL,
            time_ns INTEGER NOT NULL,
            action TEXT NOT NULL,
            name TEXT,
            image TEXT,
            exit_code INTEGER,
            signal TEXT,
            health TEXT,
            attributes TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY(container_id, time_ns, action)) WITHOUT ROWID;
        CREATE INDEX container_events_host ON container_events(host_id, time_ns);
        """,
        """
        -- CPU time per minute; whose network namespace the network bytes were counted in (NULL: not measured, and
        -- net_rx_bytes/net_tx_bytes are then 0). Older rows counted every container's own interfaces.
        ALTER TABLE minute_aggregates ADD COLUMN cpu_time_ns INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE minute_aggregates ADD COLUMN network_namespace TEXT;
        UPDATE minute_aggregates SET network_namespace = container_id;
        """,
        """
        -- Scaling decisions of Swarm services (GET /api/scaling); at is ISO-8601 UTC text, which sorts as time.
        CREATE TABLE scaling_decisions(
            service TEXT NOT NULL,
            at TEXT NOT NULL,
            from_replicas INTEGER NOT NULL,
            to_replicas INTEGER NOT NULL,
            rule TEXT NOT NULL,
            value REAL NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT);
        CREATE INDEX scaling_decisions_service ON scaling_decisions(service, at);
        """,
        """
        -- Rules (definition: the rule's JSON as PUT /api/rules/{name} took it) and the alerts they open; times in
        -- Unix milliseconds.
        CREATE TABLE rules(
            name TEXT NOT NULL PRIMARY KEY,
            definition TEXT NOT NULL,
            updated_at_ms INTEGER NOT NULL);
        CREATE TABLE alerts(
            id TEXT NOT NULL PRIMARY KEY,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            summary TEXT,
            labels TEXT NOT NULL DEFAULT '{}',
            value REAL,
            starts_at_ms INTEGER NOT NULL,
            ends_at_ms INTEGER,
            state TEXT NOT NULL);
        CREATE INDEX alerts_starts ON alerts(starts_at_ms);
        CREATE INDEX alerts_state ON alerts(state, rule);
        """,
        """
        -- Hourly rollups (docs/accuracy.md): the minute columns per container and hour (Unix seconds of its start), and
        -- how many minute rows the hour was built from, so a pass sees an hour that received minutes since.
        CREATE TABLE hour_aggregates(
            container_id TEXT NOT NULL,
            host_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            sample_count INTEGER NOT NULL,
            cpu_percent_avg REAL NOT NULL,
            cpu_percent_min REAL NOT NULL,
            cpu_percent_max REAL NOT NULL,
            cpu_percent_p95 REAL NOT NULL,
            memory_used_bytes_avg INTEGER NOT NULL,
            memory_used_bytes_min INTEGER NOT NULL,
            memory_used_bytes_max INTEGER NOT NULL,
            memory_used_bytes_p95 INTEGER NOT NULL,
            memory_limit_bytes INTEGER NOT NULL,
            net_rx_bytes INTEGER NOT NULL,
            net_tx_bytes INTEGER NOT NULL,
            block_read_bytes INTEGER NOT NULL,
            block_write_bytes INTEGER NOT NULL,
            pids_max INTEGER NOT NULL,
            throttled_time_ns INTEGER NOT NULL,
            cpu_time_ns INTEGER NOT NULL,
            network_namespace TEXT,
            minute_count INTEGER NOT NULL,
            PRIMARY KEY(container_id, hour)) WITHOUT ROWID;
        CREATE INDEX hour_aggregates_host ON hour_aggregates(host_id, hour);
        CREATE INDEX hour_aggregates_hour ON hour_aggregates(hour);
        CREATE INDEX minute_aggregates_minute ON minute_aggregates(minute);
        """,
        """
        -- CFS periods (cpu.stat nr_periods) and throttled periods (nr_throttled) per minute and per hour, so history
        -- shows the throttled share of periods. Rows stored before hold 0: no share.
        ALTER TABLE minute_aggregates ADD COLUMN throttle_periods INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE minute_aggregates ADD COLUMN throttled_periods INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE hour_aggregates ADD COLUMN throttle_periods INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE hour_aggregates ADD COLUMN throttled_periods INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    /// <summary>Applies the missing steps in one immediate transaction, so two processes never migrate at once.</summary>
    public static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await EnableIncrementalVacuumAsync(connection, cancellationToken).ConfigureAwait(false);

        // WAL lets readers (the Api) run while the silo writes; the mode is stored in the file.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);

        // BEGIN IMMEDIATE takes the write lock before reading the version, so concurrent starts serialize.
        await using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        await ExecuteAsync(
            connection,
            transaction,
            "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);",
            cancellationToken).ConfigureAwait(false);

        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version;";
        var current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

        for (var version = current + 1; version <= Migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await using var mark = connection.CreateCommand();
            mark.Transaction = transaction;
            mark.CommandText = "INSERT INTO schema_version(version, applied_at) VALUES($v, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));";
            mark.Parameters.AddWithValue("$v", version);
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Retention frees pages; with auto_vacuum=INCREMENTAL, <c>PRAGMA incremental_vacuum</c> gives them back to the file
    /// system a few at a time. The mode of a file that already has tables changes only with one full VACUUM, done once
    /// here (it rewrites the file: seconds for a large one).
    /// </summary>
    private static async Task EnableIncrementalVacuumAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA auto_vacuum;";
        var mode = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (mode != 2)
        {
            await ExecuteAsync(connection, null, "PRAGMA auto_vacuum=INCREMENTAL; VACUUM;", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
