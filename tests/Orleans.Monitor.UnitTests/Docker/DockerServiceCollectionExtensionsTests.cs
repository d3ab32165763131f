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
        return new ServiceCollection().AddLogging().AddDockerDaemon(configuration).AddDockerApiStatsSource().BuildServiceProvider();
    }

    [Fact]
    public void AddDockerDaemon_ConfiguredHost_BindsOptionsAndResolvesSource()
    {
        using var provider = Build(("Docker:Host", "tcp://127.0.0.1:2375"), ("Docker:RequestTimeout", "00:00:03"));

        var daemon = provider.GetRequiredService<DockerDaemon>();
        var source = provider.GetRequiredService<IStatsSource>();

        Assert.Equal("tcp://127.0.0.1:2375", daemon.Host);
        Assert.Equal(TimeSpan.FromSeconds(3), provider.GetRequiredService<IOptions<DockerOptions>>().Value.RequestTimeout);
        Assert.IsType<DockerApiStatsSource>(source);
        Assert.Equal("docker-api", source.Name);
    }

    [Fact]
    public void AddDockerDaemon_UnixHost_ResolvesDaemonWithoutConnecting()
    {
        using var provider = Build(("Docker:Host", "unix:///tmp/no-such-docker.sock"));

        Assert.Equal("unix:///tmp/no-such-docker.sock", provider.GetRequiredService<DockerDaemon>().Host);
    }

    [Fact]
    public void AddDockerDaemon_BadHost_FailsValidationNamingTheSetting()
    {
        using var provider = Build(("Docker:Host", "npipe:////./pipe/docker_engine"));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DockerOptions>>().Value);

        Assert.Contains("Docker:Host", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadHost_ThrowsNamingDockerHost()
    {
        var options = Options.Create(new DockerOptions { Host = "ssh://user@host" });

        var ex = Assert.Throws<OptionsValidationException>(
            () => new DockerDaemon(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerDaemon>.Instance));

        Assert.Contains("DOCKER_HOST", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ssh://user@host", ex.Message, StringComparison.Ordinal);
    }
}
