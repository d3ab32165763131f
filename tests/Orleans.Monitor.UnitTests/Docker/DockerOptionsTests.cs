using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerOptionsTests
{
    [Fact]
    public void TryParseHost_UnixSocket_KeepsTheSocketPath()
    {
        Assert.True(DockerOptions.TryParseHost("unix:///var/run/docker.sock", out var endpoint, out _));
        Assert.Equal("unix", endpoint!.Scheme);
        Assert.Equal("/var/run/docker.sock", endpoint.LocalPath);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2375", "tcp://10.0.0.5:2375/")]
    [InlineData("tcp://docker.local:2375/base", "tcp://docker.local:2375/base/")]
    public void TryParseHost_Tcp_EndsTheBasePathWithASlash(string host, string expected)
    {
        Assert.True(DockerOptions.TryParseHost(host, out var endpoint, out _));
        Assert.Equal(new Uri(expected), endpoint);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("ssh://user@host")]
    [InlineData("unix://relative.sock")]
    [InlineData("tcp://host")]
    [InlineData("tcp://host:2375/?a=b")]
    [InlineData("/var/run/docker.sock")]
    public void TryParseHost_Unsupported_ExplainsWhy(string host)
    {
        Assert.False(DockerOptions.TryParseHost(host, out _, out var error));
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
