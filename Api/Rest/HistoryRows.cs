using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// Reads the rows a history query needs: minute rows, or hourly rollups when <see cref="HistoryQuery.Hourly"/>. Hours
/// the rollup pass has not reached yet (the open hour, and closed ones until its next run) are rolled up from their
/// minute rows here, the same way, so the newest hours are never missing.
/// </summary>
internal static class HistoryRows
{
    public static async Task<IReadOnlyList<MinuteAggregate>> LoadAsync<TKey>(
        HistoryQuery query,
        IMonitorStore store,
        Func<TKey, TimeRange, CancellationToken, Task<IReadOnlyList<MinuteAggregate>>> minutes,
        Func<IRollupStore, TKey, TimeRange, CancellationToken, Task<IReadOnlyList<MinuteAggregate>>> hours,
        TKey key,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!query.Hourly || store is not IRollupStore rollups)
        {
            return await minutes(key, query.Range, cancellationToken).ConfigureAwait(false);
        }

        var hourRows = await hours(rollups, key, query.Range, cancellationToken).ConfigureAwait(false);
        var tailStart = hourRows.Count == 0 ? query.From : Max(query.From, hourRows.Max(h => h.Minute).AddHours(1));
        var tailEnd = Min(query.To, clock.GetUtcNow());
        if (tailStart >= tailEnd)
        {
            return hourRows;
        }

        var tail = await minutes(key, new TimeRange(tailStart, tailEnd), cancellationToken).ConfigureAwait(false);
        return [.. hourRows
            .Concat(HourRollup.Build(tail).Select(h => h.Hour))
            .OrderBy(r => r.Minute).ThenBy(r => r.ContainerId, StringComparer.Ordinal)];
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
