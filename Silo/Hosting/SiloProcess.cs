using Orleans.Dashboard;
using System.Runtime.InteropServices;
using Orleans.Monitor.Contracts.Resilience;
using Orleans.Monitor.Metrics.Hosting;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Silo.Telemetry;
using Orleans.Monitor.Storage;
using StackExchange.Redis;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// The dedicated silo process: learns its daemon, then starts the silo, retrying with backoff while Redis (or the
/// daemon) is not there yet. A bad setting ends it with one line and exit code 2.
/// </summary>
public static partial class SiloProcess
{
    public const int BadSetting = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        try
        {
            var settingsSource = WebApplication.CreateBuilder(args);
            SettingsCheck.Validate(settingsSource.Configuration, silo: true);
            _ = MetricsSettings.Read(settingsSource.Configuration);
            using var loggers = LoggerFactory.Create(l => l.AddConfiguration(settingsSource.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true));
            var logger = loggers.CreateLogger(typeof(SiloProcess));
            var daemon = await DaemonIdentity.ResolveAsync(settingsSource.Configuration, loggers, retry: true, stopping.Token);

            WebApplication? app = null;
            await Backoff.Forever(
                IsClusterUnreachable,
                (attempt, ex, delay) => LogClusterUnreachable(logger, attempt, delay, ex.GetBaseException().Message),
                TimeProvider.System,
                TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(30)).ExecuteAsync(
                async ct =>
                {
                    // A silo start that fails on Redis has already bound its ports, and Orleans cannot stop a silo
                    // that never started: the next attempt would find them taken. So Redis must answer first.
                    if (OrleansConfiguration.IsCluster(settingsSource.Configuration))
                    {
                        await PingAsync(OrleansConfiguration.Redis(settingsSource.Configuration));
                    }

                    var candidate = Build(args, daemon);
                    try
                    {
                        await candidate.StartAsync(ct);
                        app = candidate;
                    }
                    catch
                    {
                        await candidate.DisposeAsync();
                        throw;
                    }
                },
                stopping.Token);

            // From here the host's own console lifetime handles SIGTERM and SIGINT.
            sigterm.Dispose();
            sigint.Dispose();
            await using (app)
            {
                await app!.WaitForShutdownAsync();
            }

            return Environment.ExitCode;
        }
        catch (Exception ex) when (InvalidSettingException.IsBadSetting(ex))
        {
            // A bad setting is not a crash: one line naming it, and a distinct exit code for supervisors.
            await Console.Error.WriteLineAsync(InvalidSettingException.OneLine(ex));
            return BadSetting;
        }
        catch (IOException ex) when (SettingsCheck.IsListenAddressInUse(ex))
        {
            // Another process listens on the /healthz address: a setting that cannot be used, not a crash.
            await Console.Error.WriteLineAsync(SettingsCheck.ListenAddressInUse(ex));
            return BadSetting;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    private static WebApplication Build(string[] args, WatchedDaemon daemon)
    {
        var builder = WebApplication.CreateBuilder(args);

        // The Api co-hosts this project, so the silo ships no appsettings.json of its own; its log defaults live here.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Monitor", LogLevel.Information);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.AddMonitorStorage();
        builder.AddMonitorSilo(daemon);
        builder.AddMonitorTelemetry();
        builder.Services.AddHostedService<SiloMetrics>();
        builder.Services.AddHealthChecks();
        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        if (OrleansConfiguration.DashboardEnabled(app.Configuration))
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard");
        }

        return app;
    }

    private static async Task PingAsync(ConfigurationOptions redis)
    {
        var probe = redis.Clone();
        probe.AbortOnConnectFail = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(probe);
        await connection.GetDatabase().PingAsync();
    }

    private static bool IsClusterUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RedisException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot join the cluster yet (attempt {Attempt}, next in {Delay}): {Reason}")]
    private static partial void LogClusterUnreachable(ILogger logger, int attempt, TimeSpan delay, string reason);
}
