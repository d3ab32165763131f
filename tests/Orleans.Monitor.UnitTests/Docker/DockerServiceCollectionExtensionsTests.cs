using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddLogging().AddDockerClient(configuration).AddDockerApiStatsSource().BuildServiceProvider();
    }

    [Fact]
    public void AddDockerClient_ConfiguredHost_BindsOptionsAndResolvesSource()
    {
        using var provider = Build(("Docker:Host", "tcp://127.0.0.1:2375"), ("Docker:RequestTimeout", "00:00:03"));

        var client = provider.GetRequiredService<DockerClient>();
        var source = provider.GetRequiredService<IStatsSource>();

        Assert.Equal("tcp://127.0.0.1:2375", client.Host);
        Assert.Equal(TimeSpan.FromSeconds(3), provider.GetRequiredService<IOptions<DockerOptions>>().Value.RequestTimeout);
        Assert.IsType<DockerApiStatsSource>(source);
        Assert.Equal("docker-api", source.Name);
    }

    [Fact]
    public void AddDockerClient_BadHost_FailsValidationNamingTheSetting()
    {
        using var provider = Build(("Docker:Host", "npipe:////./pipe/docker_engine"));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DockerOptions>>().Value);

        Assert.Contains("Docker:Host", ex.Message, StringComparison.Ordinal);
    }
}
