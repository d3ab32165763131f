using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerEndpointTests
{
    [Fact]
    public void TryParse_UnixSocket_KeepsPathAndUsesLocalhost()
    {
        Assert.True(DockerEndpoint.TryParse("unix:///var/run/docker.sock", out var endpoint, out _));
        Assert.Equal("/var/run/docker.sock", endpoint!.SocketPath);
        Assert.Equal(new Uri("http://localhost/"), endpoint.BaseAddress);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2375", "http://10.0.0.5:2375/")]
    [InlineData("tcp://docker.local:2375/base", "http://docker.local:2375/base/")]
    public void TryParse_Tcp_MapsToPlainHttp(string host, string expected)
    {
        Assert.True(DockerEndpoint.TryParse(host, out var endpoint, out _));
        Assert.Null(endpoint!.SocketPath);
        Assert.Equal(new Uri(expected), endpoint.BaseAddress);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("ssh://user@host")]
    [InlineData("unix://relative.sock")]
    [InlineData("tcp://host")]
    [InlineData("/var/run/docker.sock")]
    public void TryParse_Unsupported_ExplainsWhy(string host)
    {
        Assert.False(DockerEndpoint.TryParse(host, out _, out var error));
        Assert.Contains(host, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveHost_ConfiguredHost_WinsOverEnvironment() =>
        Assert.Equal("tcp://a:1", new DockerOptions { Host = "tcp://a:1" }.ResolveHost("unix:///env.sock"));

    [Fact]
    public void ResolveHost_NoConfiguredHost_UsesEnvironmentThenDefault()
    {
        Assert.Equal("unix:///env.sock", new DockerOptions().ResolveHost("unix:///env.sock"));
        Assert.Equal(DockerOptions.DefaultHost, new DockerOptions().ResolveHost(null));
    }
}
