using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orleans.Monitor.Grains.Stats.Api;

/// <summary>Registers <see cref="DockerApiStatsSource"/>; needs <c>AddDockerDaemon</c>.</summary>
public static class DockerApiStatsServiceCollectionExtensions
{
    /// <summary>Adds the source, and makes it the <see cref="IStatsSource"/> unless another one was registered first.</summary>
    public static IServiceCollection AddDockerApiStatsSource(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DockerApiStatsSource>();
        services.TryAddSingleton<IStatsSource>(sp => sp.GetRequiredService<DockerApiStatsSource>());
        return services;
    }
}
