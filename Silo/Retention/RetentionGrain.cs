using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Retention;
using Orleans.Placement;

namespace Orleans.Monitor.Silo.Retention;

/// <summary>
/// Rolls minutes up into hours and applies retention once per cluster: one activation (key 0) on any silo, woken by a
/// reminder every <see cref="RetentionOptions.Interval"/>. The reminder lives in the reminder table (Redis in a
/// cluster), so the pass goes on when the silo that ran it dies.
/// </summary>
[RandomPlacement]
public sealed partial class RetentionGrain(
    RetentionJob job,
    IOptions<RetentionOptions> options,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    /// <summary>The reminder's name.</summary>
    public const string ReminderName = "retention";

    public async Task EnsureScheduledAsync()
    {
        // Registering again is idempotent (one reminder per name) and takes a changed Retention:Interval; the first
        // pass comes a minute later, once the schema is there and the silo has settled.
        _ = await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), options.Value.Interval);
    }

    public Task<RetentionPass> RunNowAsync() => RunAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        try
        {
            _ = await RunAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next tick tries again; a database outage must not unregister the reminder.
            LogPassFailed(logger, ex);
        }
    }

    // The grain is not reentrant: a tick that arrives while a pass runs waits for it, so passes never overlap.
    private Task<RetentionPass> RunAsync() => job.RunOnceAsync(CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention pass failed; the next reminder tick retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
