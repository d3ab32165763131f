using Orleans.Monitor.Contracts.Hosting;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Silo.Docker;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// Standalone: the Api process co-hosts one silo on localhost clustering. The silo declares its daemon ID in its
/// name, so it starts once the daemon has answered; until then the Api shows a provisional host with the error.
/// The silo shares the Api's configuration, logging, clock, stores (rules and scaling decisions included) and store writer.
/// </summary>
public sealed class StandaloneSiloConnector(
    IConfiguration configuration,
    ILoggerFactory loggers,
    IMonitorSink sink,
    IMonitorStore store,
    IRuleStore rules,
    TimeProvider clock) : IClusterConnector
{
    /// <summary>Stable per machine, never a real daemon ID.</summary>
    public string? ProvisionalHostId { get; } = "pending-" + Environment.MachineName;

    public async Task<IHost> ConnectAsync(CancellationToken cancellationToken)
    {
        var daemon = await DaemonIdentity.ResolveAsync(configuration, loggers, retry: false, cancellationToken);
        var builder = InProcessHost.CreateBuilder(loggers, OrleansConfiguration.DashboardEnabled(configuration));
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddSingleton(sink);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(rules);
        if (store is IScalingStore scaling)
        {
            // Both stores keep scaling decisions too: the co-hosted silo's autoscaler records them where the Api reads them.
            builder.Services.AddSingleton(scaling);
        }

        builder.Services.AddSingleton(clock);
        builder.AddMonitorSilo(daemon);
        return await InProcessHost.StartAsync(builder, cancellationToken);
    }

    public bool IsTransient(Exception exception) => exception is DockerException or HttpRequestException or IOException or TimeoutException;
}
