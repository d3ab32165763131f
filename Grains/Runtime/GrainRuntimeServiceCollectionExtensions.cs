using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Registers the grain runtime and grain classes.</summary>
public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime as a singleton <see cref="IGrainRuntime"/> and <see cref="IGrainFactory"/>, and as a hosted
    /// service that runs the idle collector and deactivates every grain on stop.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrainRuntimeOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainRuntimeOptions>, GrainRuntimeOptionsValidator>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrainRuntime>();
        services.TryAddSingleton<IGrainRuntime>(static sp => sp.GetRequiredService<GrainRuntime>());
        services.TryAddSingleton<IGrainFactory>(static sp => sp.GetRequiredService<GrainRuntime>());
        services.AddHostedService(static sp => sp.GetRequiredService<GrainRuntime>());
        return services;
    }

    /// <summary>Maps <typeparamref name="TGrainInterface"/> to <typeparamref name="TGrain"/>, built with constructor injection.</summary>
    public static IServiceCollection AddGrain<TGrainInterface, TGrain>(this IServiceCollection services)
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!typeof(TGrainInterface).IsInterface)
        {
            throw new ArgumentException($"{typeof(TGrainInterface).Name} must be an interface.", nameof(TGrainInterface));
        }

        // Validates the interface now, so a bad grain method fails at start-up rather than at the first call.
        _ = GrainInterfaceMap.Build(typeof(TGrainInterface), new GrainTypeInfo(typeof(TGrain)));
        services.AddSingleton(new GrainRegistration(typeof(TGrainInterface), typeof(TGrain)));
        return services;
    }
}
