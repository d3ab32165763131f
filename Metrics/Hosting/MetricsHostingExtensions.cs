using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Metrics.Exposition;
using Prometheus;

namespace Orleans.Monitor.Metrics.Hosting;

/// <summary>Registers the exposition of a process and maps <c>GET /metrics</c>.</summary>
public static class MetricsHostingExtensions
{
    /// <summary>The path Prometheus scrapes, on the Api and on a silo's metrics port alike.</summary>
    public const string Path = "/metrics";

    /// <summary>Adds the process's <see cref="FrameExposition"/> over the frames <paramref name="frames"/> gives, with the monitor's own meters.</summary>
    public static IServiceCollection AddFrameExposition(this IServiceCollection services, MetricsSettings settings, Func<IServiceProvider, FrameSource> frames)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(frames);
        return services.AddSingleton(sp => new FrameExposition(settings.Labels, frames(sp), FrameExposition.IsOwnMeter));
    }

    /// <summary>
    /// <c>GET /metrics</c>: the Prometheus text format, or OpenMetrics when the Accept header asks for
    /// <c>application/openmetrics-text</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapFrameExposition(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var exposition = endpoints.ServiceProvider.GetRequiredService<FrameExposition>();
        return endpoints.MapMetrics(Path, exposition.Registry);
    }
}
