using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>Registers <see cref="DockerClient"/> with its options.</summary>
public static class DockerServiceCollectionExtensions
{
    /// <summary>Binds <see cref="DockerOptions"/> from the "Docker" section (validated on start) and adds one shared client.</summary>
    public static IServiceCollection AddDockerClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DockerOptions>()
            .Bind(configuration.GetSection(DockerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DockerOptions>, DockerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DockerClient>();
        return services;
    }

    /// <inheritdoc cref="AddDockerClient(IServiceCollection, IConfiguration)"/>
    public static IHostApplicationBuilder AddDockerClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDockerClient(builder.Configuration);
        return builder;
    }
}

/// <summary>Fails start with a message naming the setting when the host cannot be used.</summary>
internal sealed class DockerOptionsValidator : IValidateOptions<DockerOptions>
{
    public ValidateOptionsResult Validate(string? name, DockerOptions options)
    {
        var host = options.ResolveHost(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        return DockerEndpoint.TryParse(host, out _, out var error)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Docker:Host (or DOCKER_HOST): {error}");
    }
}
