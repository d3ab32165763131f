using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Storage;

/// <summary>
/// Hourly rollups and retention of the monitor store. Hour rows have the shape of minute rows
/// (<see cref="MinuteAggregate.Minute"/> is the start of the hour, UTC); see docs/accuracy.md for how each column is
/// rolled up.
/// </summary>
public interface IRollupStore
{
    /// <summary>
    /// Creates what the tables need for the days around <paramref name="now"/> (PostgreSQL: the daily partitions of
    /// today and the next <paramref name="daysAhead"/> days); safe to call often.
    /// </summary>
    Task PrepareAsync(DateTimeOffset now, int daysAhead, CancellationToken cancellationToken);

    /// <summary>
    /// The hours in <paramref name="range"/> (starts on hour boundaries) whose minute rows differ in number from the
    /// minutes their hour rows were built from: hours never rolled up, and hours that received minutes since.
    /// </summary>
    Task<IReadOnlyList<DateTimeOffset>> GetStaleHoursAsync(TimeRange range, CancellationToken cancellationToken);

    /// <summary>Every minute row of every container in <paramref name="range"/>, ascending by container then minute.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetMinutesAsync(TimeRange range, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the hour rows of <paramref name="hour"/> with <paramref name="rows"/> in one transaction, so running it
    /// again for the same hour gives the same rows.
    /// </summary>
    Task ReplaceHourAsync(DateTimeOffset hour, IReadOnlyCollection<HourAggregate> rows, CancellationToken cancellationToken);

    /// <summary>Hour rows of a container in the range, ascending by hour.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetContainerHoursAsync(string containerId, TimeRange range, CancellationToken cancellationToken);

    /// <summary>Hour rows of every container of a host in the range, ascending by hour then container id.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetHostHoursAsync(string hostId, TimeRange range, CancellationToken cancellationToken);

    /// <summary>Hour rows of the given containers in the range, ascending by hour then container id.</summary>
    Task<IReadOnlyList<MinuteAggregate>> GetContainersHoursAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken);

    /// <summary>
    /// Removes minute rows older than <paramref name="cutoff"/>: whole daily partitions where the store has them, the
    /// rest in statements of at most <paramref name="batchSize"/> rows. Returns the rows removed (partitions dropped
    /// count their rows too).
    /// </summary>
    Task<long> DeleteMinutesBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken);

    /// <summary>Removes hour rows older than <paramref name="cutoff"/>, as <see cref="DeleteMinutesBeforeAsync"/> does.</summary>
    Task<long> DeleteHoursBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken);

    /// <summary>Gives freed space back to the file system where the store does not do it itself (SQLite: incremental vacuum).</summary>
    Task ReclaimSpaceAsync(CancellationToken cancellationToken);
}

/// <summary>One container's hour: the rolled-up row and how many minute rows it was built from.</summary>
public sealed record HourAggregate(MinuteAggregate Hour, int MinuteCount);
