using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Postgres;

/// <summary>Hourly rollups and retention on tables partitioned by day: retention drops whole days.</summary>
public sealed partial class PostgresMonitorStore
{
    private const string HourColumns =
        "container_id, host_id, hour, sample_count, cpu_percent_avg, cpu_percent_min, cpu_percent_max, cpu_percent_p95, " +
        "memory_used_bytes_avg, memory_used_bytes_min, memory_used_bytes_max, memory_used_bytes_p95, memory_limit_bytes, " +
        "net_rx_bytes, net_tx_bytes, block_read_bytes, block_write_bytes, pids_max, throttled_time_ns, cpu_time_ns, network_namespace, " +
        "throttle_periods, throttled_periods";

    private static readonly PostgresPartitions Minutes = new("minute_aggregates", "minute");

    private static readonly PostgresPartitions Hours = new("hour_aggregates", "hour");

    public async Task PrepareAsync(DateTimeOffset now, int daysAhead, CancellationToken cancellationToken)
    {
        await Minutes.EnsureAsync(dataSource, now, daysAhead, cancellationToken).ConfigureAwait(false);
        await Hours.EnsureAsync(dataSource, now, daysAhead, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DateTimeOffset>> GetStaleHoursAsync(TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand("""
            SELECT m.hour FROM
                (SELECT to_timestamp(floor(extract(epoch FROM minute) / 3600) * 3600) AS hour, count(*) AS minutes
                 FROM minute_aggregates WHERE minute >= @start AND minute < @end GROUP BY 1) m
            LEFT JOIN
                (SELECT hour, sum(minute_count) AS minutes FROM hour_aggregates
                 WHERE hour >= @start AND hour < @end GROUP BY hour) h ON h.hour = m.hour
            WHERE h.minutes IS NULL OR h.minutes <> m.minutes
            ORDER BY m.hour;
            """);
        command.Parameters.AddWithValue("start", range.Start.ToUniversalTime());
        command.Parameters.AddWithValue("end", range.End.ToUniversalTime());
        return await ReadAsync(command, r => r.GetFieldValue<DateTimeOffset>(0), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MinuteAggregate>> GetMinutesAsync(TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand($"""
            SELECT {AggregateColumns} FROM minute_aggregates
            WHERE minute >= @start AND minute < @end
            ORDER BY container_id COLLATE "C", minute;
            """);
        command.Parameters.AddWithValue("start", range.Start.ToUniversalTime());
        command.Parameters.AddWithValue("end", range.End.ToUniversalTime());
        return await ReadAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReplaceHourAsync(DateTimeOffset hour, IReadOnlyCollection<HourAggregate> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand("DELETE FROM hour_aggregates WHERE hour = @hour;", connection, transaction))
        {
            delete.Parameters.AddWithValue("hour", hour.ToUniversalTime());
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY hour_aggregates ({HourColumns}, minute_count) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await WriteAggregateColumnsAsync(importer, row.Hour, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(row.MinuteCount, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<MinuteAggregate>> GetContainerHoursAsync(string containerId, TimeRange range, CancellationToken cancellationToken) =>
        ReadHoursAsync("container_id = @id", containerId, range, "hour", cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetHostHoursAsync(string hostId, TimeRange range, CancellationToken cancellationToken) =>
        ReadHoursAsync("host_id = @id", hostId, range, "hour, container_id COLLATE \"C\"", cancellationToken);

    public Task<IReadOnlyList<MinuteAggregate>> GetContainersHoursAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        return containerIds.Count == 0
            ? Task.FromResult<IReadOnlyList<MinuteAggregate>>([])
            : ReadHoursAsync("container_id = ANY(@id)", containerIds.ToArray(), range, "hour, container_id COLLATE \"C\"", cancellationToken);
    }

    public Task<long> DeleteMinutesBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        Minutes.DeleteBeforeAsync(dataSource, cutoff, batchSize, cancellationToken);

    public Task<long> DeleteHoursBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        Hours.DeleteBeforeAsync(dataSource, cutoff, batchSize, cancellationToken);

    /// <summary>Dropped partitions give their files back at once; autovacuum handles the rest.</summary>
    public Task ReclaimSpaceAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<IReadOnlyList<MinuteAggregate>> ReadHoursAsync(string filter, object id, TimeRange range, string order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var command = dataSource.CreateCommand(
            string.Create(CultureInfo.InvariantCulture, $"SELECT {HourColumns} FROM hour_aggregates WHERE {filter} AND hour >= @start AND hour < @end ORDER BY {order};"));
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("start", range.Start.ToUniversalTime());
        command.Parameters.AddWithValue("end", range.End.ToUniversalTime());
        return await ReadAsync(command, ReadAggregateRow, cancellationToken).ConfigureAwait(false);
    }
}
