using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Orleans.Monitor.Api.Auth;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Api.Hubs;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosting;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Metrics.Hosting;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Silo.Persistence;
using Orleans.Monitor.Silo.Telemetry;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Api.Hosting;

/// <summary>Wires the Api: storage, the way into Orleans (client or co-hosted silo), live subscriptions, REST, the hub and the web app.</summary>
public static class MonitorApiExtensions
{
    /// <exception cref="InvalidSettingException">A setting is malformed (the process exits with code 2).</exception>
    public static WebApplicationBuilder AddMonitorApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var cluster = OrleansConfiguration.IsCluster(builder.Configuration);

        // Every setting this process reads, before anything binds a port or calls Docker: standalone includes the
        // co-hosted silo's, which it would otherwise meet only once the daemon answered.
        SettingsCheck.Validate(builder.Configuration, silo: !cluster, more => AddApiOptions(more.Services));
        services.AddMonitorAuth(ApiKeySettings.Read(builder.Configuration));
        AddApiOptions(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();

        // Numbers are numbers: the Web defaults also read them from strings, and the OpenAPI document then types every
        // number as "integer or string". Writing is unchanged (no value is written as a string or as NaN).
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        services.AddOpenApi();
        services.AddHealthChecks();
        services.AddSignalR(o => o.AddFilter<StreamLimitFilter>());
        services.AddHubExceptionsAtDebug();
        services.AddSingleton<StreamLimitFilter>();
        services.AddSingleton(sp => new LiveStreams(sp.GetRequiredService<ILiveFeed>(), sp.GetRequiredService<HostDirectory>()));
        services.AddSingleton<HostDirectory>();
        services.AddSingleton<ServiceDirectory>();
        builder.AddMonitorStorage();

        if (cluster)
        {
            services.AddSingleton<IClusterConnector, OrleansClientConnector>();
            // Minute rows and events come from the silos: an Api of a cluster accepts none, so it keeps no spool.
            services.Configure<SpoolOptions>(o => o.Enabled = false);
        }
        else
        {
            // Standalone: this process co-hosts the silo that watches the local Docker daemon and writes to its store.
            EndpointPortsFree.Ensure(OrleansConfiguration.SiloPort(builder.Configuration), gatewayPort: 0);
            services.AddSingleton<IMonitorSink, StoreSink>();
            services.AddSingleton<IClusterConnector, StandaloneSiloConnector>();
        }

        services.AddSingleton<ClusterConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterConnection>());
        services.AddSingleton<LiveFrames>();
        services.AddSingleton<ApiMetrics>();
        // Every host's newest frame is already here (LiveFrames): a scrape reads them and calls no grain.
        services.AddFrameExposition(
            MetricsSettings.Read(builder.Configuration),
            sp => _ => ValueTask.FromResult<IReadOnlyCollection<HostFrame>>(sp.GetRequiredService<LiveFrames>().Latest));
        builder.AddMonitorTelemetry();
        services.AddSingleton<HostSubscriptions>();
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<HostSubscriptions>());
        services.AddHostedService(sp => sp.GetRequiredService<HostSubscriptions>());
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton(sp => new ClusterDirectory(
            sp.GetRequiredService<HostSubscriptions>(), sp.GetRequiredService<ClusterConnection>(), cluster));
        return builder;
    }

    private static void AddApiOptions(IServiceCollection services) =>
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateSettings(ApiOptions.Section).ValidateOnStart();

    public static WebApplication MapMonitorApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        // The page's files carry no data and must load before the page can ask for a key; everything after needs one.
        UseWebApp(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        // Liveness probes carry no key and learn nothing but "up".
        app.MapHealthChecks("/healthz").AllowAnonymous();
        _ = app.Services.GetRequiredService<ApiMetrics>();
        app.MapHostsApi();
        app.MapContainersApi();
        app.MapClusterApi();
        app.MapServicesApi();
        app.MapScalingApi();
        app.MapRulesApi();
        app.MapAlertsApi();
        app.MapFrameExposition();
        app.MapHub<LiveHub>("/hubs/live");
        if (OrleansConfiguration.DashboardEnabled(app.Configuration))
        {
            app.Map("/dashboard", MapDashboard);
        }

        return app;
    }

    /// <summary>The Orleans Dashboard, served from the services of this Api's client or co-hosted silo once connected.</summary>
    private static void MapDashboard(IApplicationBuilder dashboard) => dashboard.Run(async context =>
    {
        var connection = context.RequestServices.GetRequiredService<ClusterConnection>();
        if (connection.Dashboard is not { } pipeline || connection.Host is not { } host)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var outer = context.RequestServices;
        await using var scope = host.Services.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        try
        {
            await pipeline(context);
        }
        finally
        {
            context.RequestServices = outer;
        }
    });

    /// <summary>Serves the built dashboard (Web/ builds into wwwroot/app) at the site root.</summary>
    private static void UseWebApp(WebApplication app)
    {
        var folder = Path.Combine(app.Environment.ContentRootPath, "wwwroot", "app");
        if (!Directory.Exists(folder))
        {
            return;
        }

        var files = new PhysicalFileProvider(folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }
}
