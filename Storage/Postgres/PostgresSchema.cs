using Npgsql;

namespace Orleans.Monitor.Storage.Postgres;

/// <summary>The PostgreSQL schema (store and membership) as an ordered list of migrations; step N gives version N.</summary>
internal static class PostgresSchema
{
    // Arbitrary but fixed: every process migrating the same database must contend for the same lock.
    private const long MigrationLockKey = 0x4f4d_4f4e_5343_4831;

    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE hosts(
            host_id text PRIMARY KEY,
            name text NOT NULL,
            cpus integer NOT NULL,
            memory_total_bytes bigint NOT NULL,
            operating_system text NOT NULL,
            kernel_version text NOT NULL,
            docker_version text NOT NULL,
            api_version text NOT NULL,
            cgroup_version text NOT NULL,
            cgroup_driver text NOT NULL,
            stats_source text NOT NULL,
            last_seen timestamptz NOT NULL);

        CREATE TABLE containers(
            id text PRIMARY KEY,
            host_id text NOT NULL,
            name text NOT NULL,
            image text NOT NULL,
            labels jsonb NOT NULL DEFAULT '{}',
            compose_project text,
            compose_service text,
            state text NOT NULL,
            health text,
            created timestamptz NOT NULL,
            started_at timestamptz,
            finished_at timestamptz,
            exit_code integer,
            oom_killed boolean NOT NULL DEFAULT false,
            removed boolean NOT NULL DEFAULT false);
        CREATE INDEX containers_host ON containers(host_id);
        -- The primary key index follows the database collation, which LIKE 'prefix%' cannot use.
        CREATE INDEX containers_id_prefix ON containers(id text_pattern_ops);

        CREATE TABLE minute_aggregates(
            container_id text NOT NULL,
            host_id text NOT NULL,
            minute timestamptz NOT NULL,
            sample_count integer NOT NULL,
            cpu_percent_avg double precision NOT NULL,
            cpu_percent_min double precision NOT NULL,
            cpu_percent_max double precision NOT NULL,
            cpu_percent_p95 double precision NOT NULL,
            memory_used_bytes_avg bigint NOT NULL,
            memory_used_bytes_min bigint NOT NULL,
            memory_used_bytes_max bigint NOT NULL,
            memory_used_bytes_p95 bigint NOT NULL,
            memory_limit_bytes bigint NOT NULL,
            net_rx_bytes bigint NOT NULL,
            net_tx_bytes bigint NOT NULL,
            block_read_bytes bigint NOT NULL,
            block_write_bytes bigint NOT NULL,
            pids_max bigint NOT NULL,
            throttled_time_ns bigint NOT NULL,
            PRIMARY KEY(container_id, minute));
        CREATE INDEX minute_aggregates_host ON minute_aggregates(host_id, minute);
        """,
        """
        CREATE TABLE cluster_version(
            cluster_id text PRIMARY KEY,
            version bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now());

        CREATE TABLE silo_membership(
            cluster_id text NOT NULL,
            silo_id text NOT NULL,
            generation bigint NOT NULL,
            docker_host text NOT NULL,
            endpoint text NOT NULL,
            status smallint NOT NULL,
            start_time timestamptz NOT NULL DEFAULT now(),
            last_heartbeat timestamptz NOT NULL DEFAULT now(),
            lease_expires timestamptz NOT NULL,
            metadata jsonb NOT NULL DEFAULT '{}',
            PRIMARY KEY(cluster_id, silo_id, generation));
        -- Fencing: a Docker host has at most one Joining or Active silo at a time.
        CREATE UNIQUE INDEX one_live_silo_per_host ON silo_membership(cluster_id, docker_host) WHERE status IN (2, 3);
        """,
        """
        ALTER TABLE containers ADD COLUMN restart_count integer NOT NULL DEFAULT 0;
        ALTER TABLE containers ADD COLUMN last_exit_code integer;

        CREATE TABLE container_events(
            container_id text NOT NULL,
            host_id text NOT NULL,
            time_ns bigint NOT NULL,
            action text NOT NULL,
            name text,
            image text,
            exit_code integer,
            signal text,
            health text,
            attributes jsonb NOT NULL DEFAULT '{}',
            PRIMARY KEY(container_id, time_ns, action));
        CREATE INDEX container_events_host ON container_events(host_id, time_ns);
        """,
        """
        -- CPU time per minute; whose network namespace the network bytes were counted in (NULL: not measured, and
        -- net_rx_bytes/net_tx_bytes are then 0). Older rows counted every container's own interfaces.
        ALTER TABLE minute_aggregates ADD COLUMN cpu_time_ns bigint NOT NULL DEFAULT 0;
        ALTER TABLE minute_aggregates ADD COLUMN network_namespace text;
        UPDATE minute_aggregates SET network_namespace = container_id;
        """,
        """
        -- Scaling decisions of Swarm services (GET /api/scaling).
        CREATE TABLE scaling_decisions(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            service text NOT NULL,
            at timestamptz NOT NULL,
            from_replicas integer NOT NULL,
            to_replicas integer NOT NULL,
            rule text NOT NULL,
            value double precision NOT NULL,
            outcome text NOT NULL,
            detail text);
        CREATE INDEX scaling_decisions_service ON scaling_decisions(service, at);
        """,
        """
        -- Rules (definition: the rule's JSON as PUT /api/rules/{name} took it) and the alerts they open; times in
        -- Unix milliseconds.
        CREATE TABLE rules(
            name text NOT NULL PRIMARY KEY,
            definition text NOT NULL,
            updated_at_ms bigint NOT NULL);
        CREATE TABLE alerts(
            id text NOT NULL PRIMARY KEY,
            rule text NOT NULL,
            severity text NOT NULL,
            summary text,
            labels text NOT NULL DEFAULT '{}',
            value double precision,
            starts_at_ms bigint NOT NULL,
            ends_at_ms bigint,
            state text NOT NULL);
        CREATE INDEX alerts_starts ON alerts(starts_at_ms);
        CREATE INDEX alerts_state ON alerts(state, rule);
        """,
        """
        -- Minute rows partitioned by day (UTC), so retention drops whole days; the rows of the old table are kept, each
        -- in its day's partition. A default partition catches a row whose day has no partition yet (PostgresPartitions
        -- moves such rows into their day when it creates it). Hourly rollups: the same columns per container and hour,
        -- with the number of minute rows the hour was built from.
        ALTER TABLE minute_aggregates RENAME TO minute_aggregates_unpartitioned;
        ALTER TABLE minute_aggregates_unpartitioned RENAME CONSTRAINT minute_aggregates_pkey TO minute_aggregates_unpartitioned_pkey;
        ALTER INDEX minute_aggregates_host RENAME TO minute_aggregates_unpartitioned_host;
        CREATE TABLE minute_aggregates (LIKE minute_aggregates_unpartitioned INCLUDING DEFAULTS, PRIMARY KEY(container_id, minute))
            PARTITION BY RANGE (minute);
        CREATE INDEX minute_aggregates_host ON minute_aggregates(host_id, minute);
        CREATE TABLE minute_aggregates_default PARTITION OF minute_aggregates DEFAULT;
        DO $$
        DECLARE d date;
        BEGIN
            FOR d IN SELECT DISTINCT (minute AT TIME ZONE 'UTC')::date FROM minute_aggregates_unpartitioned LOOP
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF minute_aggregates FOR VALUES FROM (%L) TO (%L)',
                    'minute_aggregates_p' || to_char(d, 'YYYYMMDD'),
                    d::timestamp AT TIME ZONE 'UTC',
                    (d + 1)::timestamp AT TIME ZONE 'UTC');
            END LOOP;
        END $$;
        INSERT INTO minute_aggregates SELECT * FROM minute_aggregates_unpartitioned;
        DROP TABLE minute_aggregates_unpartitioned;

        CREATE TABLE hour_aggregates(
            container_id text NOT NULL,
            host_id text NOT NULL,
            hour timestamptz NOT NULL,
            sample_count integer NOT NULL,
            cpu_percent_avg double precision NOT NULL,
            cpu_percent_min double precision NOT NULL,
            cpu_percent_max double precision NOT NULL,
            cpu_percent_p95 double precision NOT NULL,
            memory_used_bytes_avg bigint NOT NULL,
            memory_used_bytes_min bigint NOT NULL,
            memory_used_bytes_max bigint NOT NULL,
            memory_used_bytes_p95 bigint NOT NULL,
            memory_limit_bytes bigint NOT NULL,
            net_rx_bytes bigint NOT NULL,
            net_tx_bytes bigint NOT NULL,
            block_read_bytes bigint NOT NULL,
            block_write_bytes bigint NOT NULL,
            pids_max bigint NOT NULL,
            throttled_time_ns bigint NOT NULL,
            cpu_time_ns bigint NOT NULL,
            network_namespace text,
            minute_count integer NOT NULL,
            PRIMARY KEY(container_id, hour)) PARTITION BY RANGE (hour);
        CREATE INDEX hour_aggregates_host ON hour_aggregates(host_id, hour);
        CREATE TABLE hour_aggregates_default PARTITION OF hour_aggregates DEFAULT;
        """,
        """
        -- CFS periods (cpu.stat nr_periods) and throttled periods (nr_throttled) per minute and per hour, so history
        -- shows the throttled share of periods. Added on the partitioned parents, which passes them to every day's
        -- partition; rows stored before hold 0: no share.
        ALTER TABLE minute_aggregates ADD COLUMN throttle_periods bigint NOT NULL DEFAULT 0;
        ALTER TABLE minute_aggregates ADD COLUMN throttled_periods bigint NOT NULL DEFAULT 0;
        ALTER TABLE hour_aggregates ADD COLUMN throttle_periods bigint NOT NULL DEFAULT 0;
        ALTER TABLE hour_aggregates ADD COLUMN throttled_periods bigint NOT NULL DEFAULT 0;
        """,
    ];

    /// <summary>
    /// Applies missing steps in one transaction under an advisory lock, so processes starting together
    /// migrate one after the other and the later ones find nothing to do.
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        await using (var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(@key);
            CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """,
            connection,
            transaction))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        await using (var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version;", connection, transaction))
        {
            current = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        for (var version = current + 1; version <= Migrations.Count; version++)
        {
            await using var step = new NpgsqlCommand(Migrations[version - 1], connection, transaction);
            await step.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var mark = new NpgsqlCommand("INSERT INTO schema_version(version) VALUES(@v);", connection, transaction);
            mark.Parameters.AddWithValue("v", version);
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
