namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// A second host inside the Api process (its Orleans client, or its co-hosted silo), built once it can start and
/// sharing the Api's logging, so both write one log.
/// </summary>
public static class InProcessHost
{
    /// <param name="dashboard">Adds what the Api needs to serve the Orleans Dashboard from this host's services.</param>
    public static HostApplicationBuilder CreateBuilder(ILoggerFactory loggers, bool dashboard)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        if (dashboard)
        {
            builder.Services.AddDashboardPipelineServices();
        }

        return builder;
    }

    /// <summary>Builds and starts the host; a host that failed to start is disposed, and the failure thrown.</summary>
    public static async Task<IHost> StartAsync(HostApplicationBuilder builder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
