using System.Globalization;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Sqlite;

/// <summary>Hourly rollups and retention: batched deletes, space given back by incremental vacuum.</summary>
public sealed partial class SqliteMonitorStore
{
    private const string HourColumns =
        "container_id, host_id, hour, sample_count, cpu_percent_avg, cpu_percent_min, cpu_percent_max, cpu_percent_p95, " +
        "memory_used_bytes_avg, memory_used_bytes_min, memory_used_bytes_max, memory_used_bytes_p95, memory_limit_bytes, " +
        "net_rx_bytes, net_tx_bytes, block_read_bytes, block_write_bytes, pids_max, throttled_time_ns, cpu_time_ns, network_namespace, " +
        "throttle_periods, throttled_periods";

    // Pages given back per pass: 4096 pages of 4 KiB, 16 MiB, keeps each vacuum step short.
    private const int VacuumPages = 4096;

    /// <summary>No partitions in SQLite: nothing to prepare.</summary>
    public Task PrepareAsync(DateTimeOffset now, int daysAhead, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IReadOnlyList<DateTimeOffset>> GetStaleHoursAsync(TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT m.hour FROM
                (SELECT minute / 3600 * 3600 AS hour, count(*) AS minutes FROM minute_aggregates
                 WHERE minute >= $start AND minute < $end GROUP BY 1) m
            LEFT JOIN
                (SELECT hour, sum(minute_count) AS minutes FROM hour_aggregates
                 WHERE hour >= $start AND hour < $end GROUP BY hour) h ON h.hour = m.hour
            WHERE h.minutes IS NULL OR h.minutes <> m.minutes
            ORDER BY m.hour;
            """;
        command.Parameters.AddWithValue("$start", CeilingSeconds(range.Start));
        command.Parameters.AddWithValue("$end", CeilingSeconds(range.End));
        return await StoreRows.ReadAllAsync(command, r => DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetMinutesAsync(TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AggregateColumns} FROM minute_aggregates WHERE minute >= $start AND minute < $end ORDER BY container_id, minute;";
        command.Parameters.AddWithValue("$start", CeilingSeconds(range.Start));
        command.Parameters.AddWithValue("$end", CeilingSeconds(range.End));
        return await StoreRows.ReadAllAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReplaceHourAsync(DateTimeOffset hour, IReadOnlyCollection<HourAggregate> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM hour_aggregates WHERE hour = $hour;";
            delete.Parameters.AddWithValue("$hour", hour.ToUnixTimeSeconds());
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO hour_aggregates({HourColumns}, minute_count)
            VALUES($c0, $c1, $c2, $c3, $c4, $c5, $c6, $c7, $c8, $c9, $c10, $c11, $c12, $c13, $c14, $c15, $c16, $c17, $c18, $c19, $c20, $c21, $c22, $c23);
            """;
        var parameters = Enumerable.Range(0, AggregateParameterCount + 1).Select(i => command.Parameters.AddWithValue($"$c{i}", DBNull.Value)).ToArray();
        command.Prepare();
        foreach (var row in rows)
        {
            SetAggregateParameters(parameters, row.Hour);
            parameters[AggregateParameterCount].Value = row.MinuteCount;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<MinuteAggregate>> GetContainerHoursAsync(string containerId, TimeRange range, CancellationToken cancellationToken) =>
        ReadHoursAsync("container_id = $id", containerId, range, "hour", cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetHostHoursAsync(string hostId, TimeRange range, CancellationToken cancellationToken) =>
        ReadHoursAsync("host_id = $id", hostId, range, "hour, container_id", cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetContainersHoursAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        return containerIds.Count == 0
            ? Task.FromResult<IReadOnlyList<MinuteAggregate>>([])
            : ReadHoursAsync(
                "container_id IN (SELECT value FROM json_each($id))",
                System.Text.Json.JsonSerializer.Serialize(containerIds),
                range,
                "hour, container_id",
                cancellationToken);
    }

    public Task<long> DeleteMinutesBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        DeleteBeforeAsync("minute_aggregates", "minute", cutoff, batchSize, cancellationToken);

    public Task<long> DeleteHoursBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        DeleteBeforeAsync("hour_aggregates", "hour", cutoff, batchSize, cancellationToken);

    public async Task ReclaimSpaceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA incremental_vacuum({VacuumPages});");
        // The pragma returns a row per step; reading them all runs it to the end.
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private async Task<IReadOnlyList<MinuteAggregate>> ReadHoursAsync(string filter, string id, TimeRange range, string order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {HourColumns} FROM hour_aggregates WHERE {filter} AND hour >= $start AND hour < $end ORDER BY {order};";
        AddRange(command, id, range);
        return await StoreRows.ReadAllAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> DeleteBeforeAsync(string table, string column, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        // One statement per batch, each its own transaction: the write lock is held for one batch only.
        long removed = 0;
        while (true)
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                DELETE FROM {table} WHERE (container_id, {column}) IN
                    (SELECT container_id, {column} FROM {table} WHERE {column} < $cutoff LIMIT $limit);
                """;
            command.Parameters.AddWithValue("$cutoff", CeilingSeconds(cutoff));
            command.Parameters.AddWithValue("$limit", batchSize);
            var count = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            removed += count;
            if (count < batchSize)
            {
                return removed;
            }
        }
    }
}
