using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// What a plain (non-web) host needs so a web app can run the Orleans Dashboard's endpoints on that host's services:
/// routing and the diagnostic listener the routing middleware asks for.
/// </summary>
public static class DashboardServices
{
    public static IServiceCollection AddDashboardPipelineServices(this IServiceCollection services)
    {
        services.AddRouting();
        services.TryAddSingleton(new DiagnosticListener("Orleans.Monitor.Dashboard"));
        return services;
    }
}
