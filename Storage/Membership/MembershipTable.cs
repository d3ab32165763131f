using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Monitor.Storage.Postgres;

namespace Orleans.Monitor.Storage.Membership;

/// <summary>
/// The silo membership table on PostgreSQL. Every lease is set and judged with the database clock, so silo clocks
/// never matter; every change bumps the cluster version and sends <c>pg_notify('membership', ...)</c>.
/// </summary>
public sealed class MembershipTable
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is <c>cluster_id:version</c>.</summary>
    public const string NotificationChannel = "membership";

    private readonly NpgsqlDataSource _dataSource;
    private readonly MembershipOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _healthGate = new();
    private long? _healthySince;
    private long _lastSuccess;

    public MembershipTable(NpgsqlDataSource dataSource, IOptions<MembershipOptions> options, TimeProvider timeProvider)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _timeProvider = timeProvider;
        if (_options.ValidateCluster() is { } error)
        {
            throw new OptionsValidationException(MembershipOptions.SectionName, typeof(MembershipOptions), [error]);
        }
    }

    public string ClusterId => _options.ClusterId;

    /// <summary>Creates or migrates the schema (shared with the store); safe on every start.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) =>
        TrackAsync(ct => PostgresSchema.MigrateAsync(_dataSource, ct), cancellationToken);

    /// <summary>
    /// Joins as Active with a fresh lease and a new generation. Newest owner wins: older rows of the same silo id
    /// or the same Docker host are marked dead first, which fences a previous process that is still running.
    /// </summary>
    public Task<long> JoinAsync(SiloRegistration silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return TrackAsync(
            async ct =>
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                // Bumping the version first locks the cluster row, so joins and reaps of one cluster never interleave.
                var version = await BumpVersionAsync(connection, transaction, ct).ConfigureAwait(false);

                await using (var fence = new NpgsqlCommand(
                    """
                    UPDATE silo_membership SET status = 6
                    WHERE cluster_id = @cluster AND (silo_id = @silo OR docker_host = @host) AND status <> 6;
                    """,
                    connection,
                    transaction))
                {
                    AddKey(fence, silo.SiloId);
                    fence.Parameters.AddWithValue("host", silo.DockerHostId);
                    await fence.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                long generation;
                await using (var insert = new NpgsqlCommand(
                    """
                    INSERT INTO silo_membership(cluster_id, silo_id, generation, docker_host, endpoint, status, lease_expires, metadata)
                    VALUES(@cluster, @silo,
                           (SELECT coalesce(max(generation), 0) + 1 FROM silo_membership WHERE cluster_id = @cluster AND silo_id = @silo),
                           @host, @endpoint, 3, now() + make_interval(secs => @lease), @metadata)
                    RETURNING generation;
                    """,
                    connection,
                    transaction))
                {
                    AddKey(insert, silo.SiloId);
                    insert.Parameters.AddWithValue("host", silo.DockerHostId);
                    insert.Parameters.AddWithValue("endpoint", silo.Endpoint);
                    insert.Parameters.AddWithValue("lease", _options.LeaseDuration.TotalSeconds);
                    insert.Parameters.AddWithValue(
                        "metadata",
                        NpgsqlDbType.Jsonb,
                        JsonSerializer.Serialize(new Dictionary<string, string> { ["version"] = silo.Version, ["hostName"] = silo.HostName }));
                    generation = (long)(await insert.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                }

                await NotifyAsync(connection, transaction, version, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return generation;
            },
            cancellationToken);
    }

    /// <summary>Renews the lease. False means the row is no longer Active: this silo was declared dead and must exit.</summary>
    public Task<bool> HeartbeatAsync(string siloId, long generation, CancellationToken cancellationToken) =>
        TrackAsync(
            async ct =>
            {
                await using var command = _dataSource.CreateCommand(
                    """
                    UPDATE silo_membership SET last_heartbeat = now(), lease_expires = now() + make_interval(secs => @lease)
                    WHERE cluster_id = @cluster AND silo_id = @silo AND generation = @generation AND status = 3;
                    """);
                AddKey(command, siloId, generation);
                command.Parameters.AddWithValue("lease", _options.LeaseDuration.TotalSeconds);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            },
            cancellationToken);

    /// <summary>Marks the silo ShuttingDown: still reachable while it drains, but no longer the host's owner.</summary>
    public Task<bool> BeginLeaveAsync(string siloId, long generation, CancellationToken cancellationToken) =>
        SetStatusAsync(siloId, generation, SiloStatus.ShuttingDown, "status IN (2, 3)", cancellationToken);

    /// <summary>Marks the silo Dead after a graceful shutdown.</summary>
    public Task<bool> LeaveAsync(string siloId, long generation, CancellationToken cancellationToken) =>
        SetStatusAsync(siloId, generation, SiloStatus.Dead, "status <> 6", cancellationToken);

    /// <summary>
    /// One reaper round: marks Joining/Active silos whose lease expired as Dead. Skips the round while this reaper
    /// warms up (a full lease of successful round-trips) and when no live silo renewed within a lease, because
    /// then the database, not every silo, was the likely failure.
    /// </summary>
    public async Task<ReapResult> ReapAsync(CancellationToken cancellationToken)
    {
        if (!IsWarmedUp())
        {
            // The probe counts toward warm-up, so a reaper that only reaps still gets there.
            await TrackAsync(ProbeAsync, cancellationToken).ConfigureAwait(false);
            if (!IsWarmedUp())
            {
                return ReapResult.Skipped(ReapOutcome.WarmingUp);
            }
        }

        return await TrackAsync(ReapRoundAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads every row of the cluster with leases judged by the database clock.</summary>
    public Task<MembershipSnapshot> ReadAsync(CancellationToken cancellationToken) =>
        TrackAsync(
            async ct =>
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(
                    """
                    SELECT coalesce((SELECT version FROM cluster_version WHERE cluster_id = @cluster), 0), now();
                    SELECT silo_id, generation, docker_host, endpoint, status, start_time, last_heartbeat, lease_expires,
                           lease_expires > now(), metadata->>'version', metadata->>'hostName'
                    FROM silo_membership WHERE cluster_id = @cluster
                    ORDER BY silo_id COLLATE "C", generation;
                    """,
                    connection);
                command.Parameters.AddWithValue("cluster", _options.ClusterId);
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await reader.ReadAsync(ct).ConfigureAwait(false);
                var version = reader.GetInt64(0);
                var now = reader.GetFieldValue<DateTimeOffset>(1);
                await reader.NextResultAsync(ct).ConfigureAwait(false);
                var silos = new List<SiloEntry>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    silos.Add(new SiloEntry(
                        reader.GetString(0),
                        reader.GetInt64(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        (SiloStatus)reader.GetInt16(4),
                        reader.GetFieldValue<DateTimeOffset>(5),
                        reader.GetFieldValue<DateTimeOffset>(6),
                        reader.GetFieldValue<DateTimeOffset>(7),
                        reader.GetBoolean(8),
                        reader.IsDBNull(9) ? null : reader.GetString(9),
                        reader.IsDBNull(10) ? null : reader.GetString(10)));
                }

                return new MembershipSnapshot(version, now, silos);
            },
            cancellationToken);

    /// <summary>Deletes dead rows whose last heartbeat is older than <paramref name="age"/>.</summary>
    public Task<int> CleanupAsync(TimeSpan age, CancellationToken cancellationToken) =>
        TrackAsync(
            async ct =>
            {
                await using var command = _dataSource.CreateCommand(
                    "DELETE FROM silo_membership WHERE cluster_id = @cluster AND status = 6 AND last_heartbeat < now() - make_interval(secs => @age);");
                command.Parameters.AddWithValue("cluster", _options.ClusterId);
                command.Parameters.AddWithValue("age", age.TotalSeconds);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken);

    private async Task<ReapResult> ReapRoundAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var gate = new NpgsqlCommand(
            """
            SELECT pg_try_advisory_xact_lock(hashtext('reaper:' || @cluster)),
                   coalesce(max(last_heartbeat) FILTER (WHERE status = 3) >= now() - make_interval(secs => @lease), false),
                   count(*) FILTER (WHERE status IN (2, 3) AND lease_expires < now())
            FROM silo_membership WHERE cluster_id = @cluster;
            """,
            connection,
            transaction))
        {
            gate.Parameters.AddWithValue("cluster", _options.ClusterId);
            gate.Parameters.AddWithValue("lease", _options.LeaseDuration.TotalSeconds);
            await using var reader = await gate.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            var locked = reader.GetBoolean(0);
            var someoneRenewed = reader.GetBoolean(1);
            var expired = reader.GetInt64(2);
            if (!locked)
            {
                return ReapResult.Skipped(ReapOutcome.OtherReaperActive);
            }

            if (expired == 0)
            {
                return ReapResult.Skipped(ReapOutcome.Completed);
            }

            if (!someoneRenewed)
            {
                return ReapResult.Skipped(ReapOutcome.SuspectedOutage);
            }
        }

        var version = await BumpVersionAsync(connection, transaction, ct).ConfigureAwait(false);
        var reaped = new List<(string, long)>();
        await using (var reap = new NpgsqlCommand(
            """
            UPDATE silo_membership SET status = 6
            WHERE cluster_id = @cluster AND status IN (2, 3) AND lease_expires < now()
            RETURNING silo_id, generation;
            """,
            connection,
            transaction))
        {
            reap.Parameters.AddWithValue("cluster", _options.ClusterId);
            await using var reader = await reap.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                reaped.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        if (reaped.Count > 0)
        {
            await NotifyAsync(connection, transaction, version, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
        }

        return new ReapResult(ReapOutcome.Completed, reaped);
    }

    private Task<bool> SetStatusAsync(string siloId, long generation, SiloStatus status, string fromStatus, CancellationToken cancellationToken) =>
        TrackAsync(
            async ct =>
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                var version = await BumpVersionAsync(connection, transaction, ct).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(
                    $"UPDATE silo_membership SET status = @status WHERE cluster_id = @cluster AND silo_id = @silo AND generation = @generation AND {fromStatus};",
                    connection,
                    transaction);
                AddKey(command, siloId, generation);
                command.Parameters.AddWithValue("status", (short)status);
                var changed = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
                if (!changed)
                {
                    // Nothing changed: roll back the version bump so listeners are not woken for nothing.
                    return false;
                }

                await NotifyAsync(connection, transaction, version, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private async Task<long> BumpVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO cluster_version(cluster_id, version) VALUES(@cluster, 1)
            ON CONFLICT(cluster_id) DO UPDATE SET version = cluster_version.version + 1, updated_at = now()
            RETURNING version;
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("cluster", _options.ClusterId);
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long version, CancellationToken ct)
    {
        // Delivered at commit, so listeners never see a version whose rows are not visible yet.
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload);", connection, transaction);
        command.Parameters.AddWithValue("channel", NotificationChannel);
        command.Parameters.AddWithValue("payload", $"{_options.ClusterId}:{version}");
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<bool> ProbeAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1;");
        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return true;
    }

    private void AddKey(NpgsqlCommand command, string siloId, long? generation = null)
    {
        command.Parameters.AddWithValue("cluster", _options.ClusterId);
        command.Parameters.AddWithValue("silo", siloId);
        if (generation is { } g)
        {
            command.Parameters.AddWithValue("generation", g);
        }
    }

    private bool IsWarmedUp()
    {
        lock (_healthGate)
        {
            return _healthySince is { } since && _timeProvider.GetElapsedTime(since) >= _options.LeaseDuration;
        }
    }

    private async Task TrackAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        await TrackAsync(
            async ct =>
            {
                await operation(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Records each round-trip's success or failure: the reaper's warm-up is an unbroken run of successes.</summary>
    private async Task<T> TrackAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            lock (_healthGate)
            {
                _healthySince = null;
            }

            throw;
        }

        lock (_healthGate)
        {
            var now = _timeProvider.GetTimestamp();
            // A long silence is no evidence of a healthy database: restart the run.
            if (_healthySince is null || _timeProvider.GetElapsedTime(_lastSuccess, now) > _options.LeaseDuration)
            {
                _healthySince = now;
            }

            _lastSuccess = now;
        }

        return result;
    }
}
