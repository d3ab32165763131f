using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerClientTests
{
    private static DockerClient Client(string host) => new(
        Options.Create(new DockerOptions { Host = host, RequestTimeout = TimeSpan.FromSeconds(5) }),
        TimeProvider.System,
        NullLogger<DockerClient>.Instance);

    private static string Ping(string? version) =>
        FakeDockerDaemon.Response(200, "OK", "text/plain", version is null ? string.Empty : $"Api-Version: {version}\r\n");

    [Fact]
    public async Task GetApiVersionAsync_NoApiVersionHeader_AssumesOneTwentyFourAndRefuses()
    {
        await using var daemon = new FakeDockerDaemon(_ => Ping(null));
        using var client = Client(daemon.Host);

        var ex = await Assert.ThrowsAsync<DockerApiVersionException>(() => client.GetApiVersionAsync(CancellationToken.None).AsTask());

        Assert.Contains("1.24", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetApiVersionAsync_NewerServer_CapsAtOurMaximumAndPrefixesPaths()
    {
        await using var daemon = new FakeDockerDaemon(path => path == "/_ping"
            ? Ping("1.52")
            : FakeDockerDaemon.Response(200, "[]"));
        using var client = Client(daemon.Host);

        var version = await client.GetApiVersionAsync(CancellationToken.None);
        await client.ListContainersAsync("h", CancellationToken.None);

        Assert.Equal(DockerApiVersion.Maximum, version);
        Assert.Contains($"/v{DockerApiVersion.Maximum}/containers/json?all=1", daemon.Paths);
    }

    [Fact]
    public async Task InspectContainerAsync_404_ThrowsNotFoundWithDaemonMessage()
    {
        await using var daemon = new FakeDockerDaemon(path => path == "/_ping"
            ? Ping("1.41")
            : FakeDockerDaemon.Response(404, """{"message":"No such container: x"}"""));
        using var client = Client(daemon.Host);

        var ex = await Assert.ThrowsAsync<DockerNotFoundException>(() => client.InspectContainerAsync("x", "h", CancellationToken.None));

        Assert.Equal("No such container: x", ex.Message);
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task ListContainersAsync_PlainTextError_KeepsTheText()
    {
        await using var daemon = new FakeDockerDaemon(path => path == "/_ping"
            ? Ping("1.41")
            : FakeDockerDaemon.Response(400, "client version 1.11 is too old", "text/plain"));
        using var client = Client(daemon.Host);

        var ex = await Assert.ThrowsAsync<DockerException>(() => client.ListContainersAsync("h", CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("too old", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnsupportedHost_FailsNamingTheSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Client("ssh://user@host"));

        Assert.Contains("Docker:Host", ex.Message, StringComparison.Ordinal);
    }
}
