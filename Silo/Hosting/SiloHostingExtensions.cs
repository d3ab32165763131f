using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Live;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Silo.Live;
using Orleans.Monitor.Silo.Persistence;
using Orleans.Monitor.Silo.Telemetry;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>Registers a silo: Docker client, stats source, grain runtime and grains, live feed and persistence.</summary>
public static class SiloHostingExtensions
{
    /// <summary>A PostgreSQL connection string under <c>ConnectionStrings:Monitor</c> switches every process to cluster mode.</summary>
    public static bool IsClusterMode(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Monitor"));
    }

    public static IHostApplicationBuilder AddMonitorSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SamplingOptions>().BindConfiguration(SamplingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SiloOptions>().BindConfiguration(SiloOptions.Section);
        services.AddOptions<HostWatchOptions>().BindConfiguration(HostWatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }

        builder.AddDockerDaemon();
        builder.AddStatsSource();
        services.AddGrainRuntime()
            .AddGrain<IHostGrain, HostGrain>()
            .AddGrain<IContainerGrain, ContainerGrain>();

        services.AddSingleton<LiveBoard>();
        services.AddSingleton<ChildReports>();
        services.AddSingleton<HostFrameBroadcaster>();
        services.AddSingleton<SiloLiveFeed>();
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<SiloLiveFeed>());
        services.AddSingleton<IMonitorSink, StoreSink>();

        services.AddSingleton<SiloMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloMetrics>());
        builder.AddMonitorTelemetry();
        services.AddSingleton<DockerHostAgent>();
        services.AddHostedService(sp => sp.GetRequiredService<DockerHostAgent>());
        return builder;
    }
}
