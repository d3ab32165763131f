using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Settings;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>Registers <see cref="DockerDaemon"/> with its options.</summary>
public static class DockerServiceCollectionExtensions
{
    /// <summary>Binds <see cref="DockerOptions"/> from the "Docker" section (validated on start) and adds one shared <see cref="DockerDaemon"/>.</summary>
    public static IServiceCollection AddDockerDaemon(this IServiceCollection services, IConfiguration configuration)
    {
        Duration.AcceptInSettings();
        services.AddOptions<DockerOptions>()
            .Bind(configuration.GetSection(DockerOptions.SectionName))
            .ValidateSettings(DockerOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DockerOptions>, DockerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DockerDaemon>();
        return services;
    }

    /// <inheritdoc cref="AddDockerDaemon(IServiceCollection, IConfiguration)"/>
    public static IHostApplicationBuilder AddDockerDaemon(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDockerDaemon(builder.Configuration);
        return builder;
    }
}

/// <summary>Fails start with a message naming the setting when the host cannot be used.</summary>
internal sealed class DockerOptionsValidator : IValidateOptions<DockerOptions>
{
    public ValidateOptionsResult Validate(string? name, DockerOptions options)
    {
        var host = options.ResolveHost(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        return DockerOptions.TryParseHost(host, out _, out var error)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Docker:Host (or DOCKER_HOST): {error}");
    }
}
