using System.Globalization;
using Npgsql;

namespace Orleans.Monitor.Storage.Postgres;

/// <summary>
/// The daily partitions of one table partitioned by range of a timestamptz column: <c>{table}_pYYYYMMDD</c> holds one
/// UTC day, <c>{table}_default</c> whatever has no day yet.
/// </summary>
internal sealed class PostgresPartitions(string table, string column)
{
    private const string DayFormat = "yyyyMMdd";

    private string Prefix => table + "_p";

    private string Default => table + "_default";

    /// <summary>
    /// Creates the partitions of today and the <paramref name="daysAhead"/> next days, and of any day the default
    /// partition holds rows of (moving them in), each in its own short transaction.
    /// </summary>
    public async Task EnsureAsync(NpgsqlDataSource dataSource, DateTimeOffset now, int daysAhead, CancellationToken cancellationToken)
    {
        var existing = (await ListAsync(dataSource, cancellationToken).ConfigureAwait(false)).Select(p => p.Day).ToHashSet();
        var wanted = Enumerable.Range(0, daysAhead + 1).Select(i => DateOnly.FromDateTime(now.UtcDateTime).AddDays(i)).ToHashSet();
        await using (var stray = dataSource.CreateCommand($"SELECT DISTINCT ({column} AT TIME ZONE 'UTC')::date FROM {Default};"))
        await using (var reader = await stray.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                wanted.Add(reader.GetFieldValue<DateOnly>(0));
            }
        }

        foreach (var day in wanted.Where(d => !existing.Contains(d)).Order())
        {
            await CreateAsync(dataSource, day, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drops the partitions that end at or before <paramref name="cutoff"/>, then deletes older rows left in the day
    /// that holds the cutoff and in the default partition, <paramref name="batchSize"/> rows per statement.
    /// </summary>
    public async Task<long> DeleteBeforeAsync(NpgsqlDataSource dataSource, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var (name, day) in await ListAsync(dataSource, cancellationToken).ConfigureAwait(false))
        {
            if (Start(day.AddDays(1)) > cutoff)
            {
                continue;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {name};", connection, transaction))
            {
                removed += (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            await using (var drop = new NpgsqlCommand($"DROP TABLE {name};", connection, transaction))
            {
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            await using var delete = dataSource.CreateCommand($"""
                DELETE FROM {table} WHERE (container_id, {column}) IN
                    (SELECT container_id, {column} FROM {table} WHERE {column} < @cutoff LIMIT @limit);
                """);
            delete.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
            delete.Parameters.AddWithValue("limit", batchSize);
            var count = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            removed += count;
            if (count < batchSize)
            {
                return removed;
            }
        }
    }

    /// <summary>The daily partitions that exist, by name and UTC day.</summary>
    public async Task<IReadOnlyList<(string Name, DateOnly Day)>> ListAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass(@table);
            """);
        command.Parameters.AddWithValue("table", table);
        var names = await StoreRows.ReadAllAsync(command, r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        var days = new List<(string, DateOnly)>();
        foreach (var name in names)
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal)
                && DateOnly.TryParseExact(name[Prefix.Length..], DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                days.Add((name, day));
            }
        }

        return [.. days.OrderBy(d => d.Item2)];
    }

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private async Task CreateAsync(NpgsqlDataSource dataSource, DateOnly day, CancellationToken cancellationToken)
    {
        var name = Prefix + day.ToString(DayFormat, CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The default partition is locked while the day's rows move out of it, so no write lands there meanwhile and
        // ATTACH finds it clean; it is normally empty, so the lock lasts milliseconds. IF NOT EXISTS: another process
        // may have created the day since it was listed.
        await using var command = new NpgsqlCommand(
            $"""
            LOCK TABLE {Default} IN ACCESS EXCLUSIVE MODE;
            CREATE TABLE IF NOT EXISTS {name} (LIKE {table} INCLUDING DEFAULTS);
            WITH moved AS (DELETE FROM {Default} WHERE {column} >= @start AND {column} < @end RETURNING *)
                INSERT INTO {name} SELECT * FROM moved;
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("start", Start(day));
        command.Parameters.AddWithValue("end", Start(day.AddDays(1)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        await using (var attached = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(@name));", connection, transaction))
        {
            attached.Parameters.AddWithValue("name", name);
            if ((bool)(await attached.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        await using var attach = new NpgsqlCommand(
            string.Create(
                CultureInfo.InvariantCulture,
                $"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{Start(day):yyyy-MM-dd} 00:00:00+00') TO ('{Start(day.AddDays(1)):yyyy-MM-dd} 00:00:00+00');"),
            connection,
            transaction);
        await attach.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
