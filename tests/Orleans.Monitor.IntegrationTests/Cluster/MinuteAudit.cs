using Npgsql;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// Every write of a minute row, as PostgreSQL saw it. <c>minute_aggregates</c> has a primary key on (container, minute)
/// and the writer upserts, so the table itself can never show a minute written twice; a trigger the tests add records
/// each insert and each update into <c>minute_writes</c>, which has no key, so counting its rows per (container, minute)
/// does see a minute written twice (a split minute, a batch sent again).
/// </summary>
public sealed class MinuteAudit(string connectionString, DateTimeOffset installedAt)
{
    // Unpooled: the tests restart PostgreSQL, and a pooled connection would fail once afterwards.
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>When the trigger was installed: minutes from this one on are written after it, so all of their writes are recorded.</summary>
    public DateTimeOffset InstalledAt { get; } = installedAt;

    /// <summary>Waits for the product's schema (the silos create it at start), then adds the recording trigger.</summary>
    public static async Task<MinuteAudit> InstallAsync(string connectionString, TimeSpan timeout)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass('minute_aggregates') IS NOT NULL;", connection);
            if ((bool)(await exists.ExecuteScalarAsync())!)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("minute_aggregates was not created by the silos.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        var installedAt = DateTimeOffset.UtcNow;
        await using var install = new NpgsqlCommand(
            """
            CREATE TABLE minute_writes(
                container_id text NOT NULL,
                minute timestamptz NOT NULL,
                sample_count integer NOT NULL,
                operation text NOT NULL,
                written_at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE FUNCTION record_minute_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO minute_writes(container_id, minute, sample_count, operation)
                VALUES (NEW.container_id, NEW.minute, NEW.sample_count, TG_OP);
                RETURN NULL;
            END $$;
            CREATE TRIGGER record_minute_write AFTER INSERT OR UPDATE ON minute_aggregates
                FOR EACH ROW EXECUTE FUNCTION record_minute_write();
            """,
            connection);
        await install.ExecuteNonQueryAsync();
        return new MinuteAudit(connectionString, installedAt);
    }

    /// <summary>Per (container, minute) in [from, to]: how often it was written and what the table holds now.</summary>
    public async Task<IReadOnlyList<MinuteWrites>> ReadAsync(IReadOnlyCollection<string> containers, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT w.container_id, w.minute, count(*)::int, min(w.sample_count), max(w.sample_count), a.sample_count
            FROM minute_writes w
            LEFT JOIN minute_aggregates a ON a.container_id = w.container_id AND a.minute = w.minute
            WHERE w.container_id = ANY(@containers) AND w.minute >= @from AND w.minute <= @to
            GROUP BY w.container_id, w.minute, a.sample_count
            ORDER BY w.container_id, w.minute;
            """,
            connection);
        command.Parameters.AddWithValue("containers", containers.ToArray());
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MinuteWrites>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MinuteWrites(
                reader.GetString(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetInt32(2),
                reader.GetInt32(3),
                reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5)));
        }

        return rows;
    }

    /// <summary>Every (container, minute) written more than once since the trigger was installed.</summary>
    public async Task<IReadOnlyList<MinuteWrites>> ReadRewrittenAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT container_id, minute, count(*)::int, min(sample_count), max(sample_count)
            FROM minute_writes GROUP BY container_id, minute HAVING count(*) > 1 ORDER BY minute;
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MinuteWrites>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MinuteWrites(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), null));
        }

        return rows;
    }

    /// <summary>How many writes the trigger has recorded in all.</summary>
    public async Task<long> CountAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM minute_writes;", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static DateTimeOffset Floor(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}

/// <summary>One (container, minute): the writes recorded, the sample counts they carried, and the row stored now.</summary>
public sealed record MinuteWrites(string ContainerId, DateTimeOffset Minute, int Writes, int MinSamples, int MaxSamples, int? StoredSamples);
