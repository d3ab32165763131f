using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.FileProviders;
using Orleans.Monitor.Api.Hubs;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Api.Hosting;

/// <summary>Wires the Api: storage, the live feed (co-hosted silo or cluster), REST, the hub and the web app.</summary>
public static class MonitorApiExtensions
{
    public static WebApplicationBuilder AddMonitorApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddTimeProvider();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks();
        builder.Services.AddSignalR(o => o.AddFilter<StreamLimitFilter>());
        builder.Services.AddSingleton<StreamLimitFilter>();
        builder.Services.AddSingleton<LiveStreams>();
        builder.Services.AddSingleton<HostDirectory>();

        builder.AddMonitorStorage();
        if (builder.IsClusterMode())
        {
            builder.AddClusterLiveFeed();
            builder.Services.AddSingleton<IClusterDirectory, MembershipClusterDirectory>();
        }
        else
        {
            // Standalone: one process watches the local Docker host and serves it.
            builder.AddMonitorSilo();
            builder.Services.AddSingleton<IClusterDirectory, LocalClusterDirectory>();
        }

        return builder;
    }

    public static WebApplication MapMonitorApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        UseWebApp(app);
        app.MapOpenApi();
        app.MapHealthChecks("/healthz");
        app.MapHostsApi();
        app.MapContainersApi();
        app.MapClusterApi();
        app.MapHub<LiveHub>("/hubs/live");
        return app;
    }

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

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
