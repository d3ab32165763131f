using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Metrics.Exposition;
using Orleans.Monitor.Metrics.Hosting;
using Orleans.Monitor.Silo.Docker;
using Prometheus;

namespace Orleans.Monitor.Silo.Telemetry;

/// <summary>
/// With <c>Metrics:Enabled=true</c> a silo serves its own host's series at <c>/metrics</c> on <c>Metrics:Port</c>,
/// read from its host grain (an in-silo call per scrape), as cAdvisor is scraped per node.
/// </summary>
public static class SiloMetricsEndpoint
{
    /// <exception cref="Storage.InvalidSettingException">A <c>Metrics</c> setting is malformed.</exception>
    public static IHostApplicationBuilder AddSiloMetricsEndpoint(this IHostApplicationBuilder builder, WatchedDaemon daemon)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(daemon);
        var settings = MetricsSettings.Read(builder.Configuration);
        if (!settings.Enabled)
        {
            return builder;
        }

        builder.Services.AddFrameExposition(settings, sp => OwnHostFrame(sp.GetRequiredService<IGrainFactory>(), daemon.HostId));
        builder.Services.AddHostedService(sp => new MetricsServer(settings.Port, sp.GetRequiredService<FrameExposition>()));
        return builder;
    }

    private static FrameSource OwnHostFrame(IGrainFactory grains, string hostId) => async cancellationToken =>
    {
        try
        {
            var frame = await grains.GetGrain<IHostGrain>(hostId).GetFrameAsync().WaitAsync(cancellationToken);
            return [frame];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // 503: Prometheus records the target as down rather than a host without containers.
            throw new ScrapeFailedException($"The host grain of {hostId} did not answer: {ex.Message}", ex);
        }
    };
}
