using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Silo.Retention;

/// <summary>Stands for a store without rollups (a test's own store): no retention is scheduled.</summary>
internal sealed class NoRollups : IRollupStore
{
    public static NoRollups Instance { get; } = new();

    public Task PrepareAsync(DateTimeOffset now, int daysAhead, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<DateTimeOffset>> GetStaleHoursAsync(TimeRange range, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<DateTimeOffset>>([]);

    public Task<IReadOnlyList<MinuteAggregate>> GetMinutesAsync(TimeRange range, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MinuteAggregate>>([]);

    public Task ReplaceHourAsync(DateTimeOffset hour, IReadOnlyCollection<HourAggregate> rows, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<MinuteAggregate>> GetContainerHoursAsync(string containerId, TimeRange range, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MinuteAggregate>>([]);

    public Task<IReadOnlyList<MinuteAggregate>> GetHostHoursAsync(string hostId, TimeRange range, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MinuteAggregate>>([]);

    public Task<IReadOnlyList<MinuteAggregate>> GetContainersHoursAsync(IReadOnlyCollection<string> containerIds, TimeRange range, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<MinuteAggregate>>([]);

    public Task<long> DeleteMinutesBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task<long> DeleteHoursBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task ReclaimSpaceAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
