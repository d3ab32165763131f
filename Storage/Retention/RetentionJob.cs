using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Retention;

/// <summary>
/// One pass of rollup and retention: prepares the days ahead, rolls every closed hour of the look-back whose minute rows
/// changed into hour rows (idempotent: an hour's rows are replaced as a whole), then removes minute rows older than
/// <see cref="RetentionOptions.Minutes"/> and hour rows older than <see cref="RetentionOptions.Hours"/> in bounded
/// batches. The cluster runs it once, from <see cref="IRetentionGrain"/>.
/// </summary>
public sealed partial class RetentionJob(
    IRollupStore store,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionJob> logger)
{
    /// <summary>Daily partitions created ahead of today.</summary>
    public const int DaysAhead = 3;

    /// <summary>Runs one pass; a failure is thrown to the caller, which retries on its next period.</summary>
    public async Task<RetentionPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        await store.PrepareAsync(now, DaysAhead, cancellationToken).ConfigureAwait(false);

        // Only closed hours: the open one still receives minutes.
        var currentHour = HourRollup.HourOf(now);
        var lookback = HourRollup.HourOf(now - settings.RollupLookback);
        var stale = await store.GetStaleHoursAsync(new TimeRange(lookback, currentHour), cancellationToken).ConfigureAwait(false);
        foreach (var hour in stale)
        {
            var minutes = await store.GetMinutesAsync(new TimeRange(hour, hour.AddHours(1)), cancellationToken).ConfigureAwait(false);
            await store.ReplaceHourAsync(hour, HourRollup.Build(minutes), cancellationToken).ConfigureAwait(false);
        }

        var minutesRemoved = await store.DeleteMinutesBeforeAsync(now - settings.Minutes, settings.BatchSize, cancellationToken).ConfigureAwait(false);
        var hoursRemoved = await store.DeleteHoursBeforeAsync(now - settings.Hours, settings.BatchSize, cancellationToken).ConfigureAwait(false);
        if (minutesRemoved + hoursRemoved > 0)
        {
            await store.ReclaimSpaceAsync(cancellationToken).ConfigureAwait(false);
        }

        var pass = new RetentionPass(stale.Count, minutesRemoved, hoursRemoved);
        LogPass(logger, pass.HoursRolledUp, pass.MinuteRowsRemoved, pass.HourRowsRemoved);
        return pass;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention pass: {Hours} hours rolled up, {Minutes} minute rows and {HourRows} hour rows removed")]
    private static partial void LogPass(ILogger logger, int hours, long minutes, long hourRows);
}
