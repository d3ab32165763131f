using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.Silo.Retention;

/// <summary>Registers the once-per-cluster rollup and retention pass in a silo.</summary>
internal static partial class RetentionHostingExtensions
{
    /// <summary>
    /// The reminder service (Redis in a cluster, in memory standalone), the job and a start-up step that makes sure
    /// the retention reminder exists. A store without rollups (a test's own) schedules nothing.
    /// </summary>
    public static void AddRetention(this ISiloBuilder silo, IConfiguration configuration, bool cluster)
    {
        if (cluster)
        {
            silo.UseRedisReminderService(o => o.ConfigurationOptions = OrleansConfiguration.Redis(configuration));
        }
        else
        {
            silo.UseInMemoryReminderService();
        }

        var services = silo.Services;
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName));
        services.TryAddSingleton(sp => sp.GetRequiredService<IMonitorStore>() as IRollupStore ?? NoRollups.Instance);
        services.TryAddSingleton<RetentionJob>();
        silo.AddStartupTask(
            async (sp, ct) =>
            {
                if (sp.GetRequiredService<IRollupStore>() is NoRollups)
                {
                    return;
                }

                try
                {
                    await sp.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0).EnsureScheduledAsync().WaitAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Another silo schedules it too; a cluster without the reminder keeps working, only without retention.
                    LogScheduleFailed(sp.GetRequiredService<ILoggerFactory>().CreateLogger<RetentionGrain>(), ex);
                }
            },
            ServiceLifecycleStage.Active);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduling the retention reminder failed; another silo's start or restart schedules it")]
    private static partial void LogScheduleFailed(ILogger logger, Exception exception);
}
