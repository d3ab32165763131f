using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerDaemonTests : IDisposable
{
    private const string Host = "unix:///tmp/omd-unit-no-such.sock";

    // Building the client opens no connection, so no daemon is needed.
    private readonly DockerDaemon _daemon = new(
        Options.Create(new DockerOptions { Host = Host }), TimeProvider.System, NullLogger<DockerDaemon>.Instance);

    public void Dispose() => _daemon.Dispose();

    [Fact]
    public void Translate_ContainerNotFound_IsNotFoundWithDaemonMessage()
    {
        var failure = _daemon.Translate(
            new DockerContainerNotFoundException(HttpStatusCode.NotFound, "{\"message\":\"No such container: abc\"}\n"), "GET /containers/abc/json");

        var notFound = Assert.IsType<DockerNotFoundException>(failure);
        Assert.Equal("No such container: abc", notFound.Message);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public void Translate_ApiErrorWithPlainBody_KeepsStatusAndBody()
    {
        var failure = _daemon.Translate(
            new DockerApiException(HttpStatusCode.BadRequest, "client version 1.54 is too new. Maximum supported API version is 1.41\n"), "GET /info");

        Assert.IsNotType<DockerNotFoundException>(failure);
        Assert.Equal(HttpStatusCode.BadRequest, failure!.StatusCode);
        Assert.Contains("GET /info", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Maximum supported API version is 1.41", failure.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Exception> TransportFailures =>
    [
        new IOException("Invalid chunk header encountered: ''."),
        new HttpRequestException("Connection failed.", new SocketException((int)SocketError.ConnectionRefused)),
        new SocketException((int)SocketError.ConnectionReset),
        new TimeoutException(),
        new OperationCanceledException(),
    ];

    [Theory]
    [MemberData(nameof(TransportFailures))]
    public void Translate_TransportFailure_IsUnavailableNamingDockerHost(Exception exception)
    {
        var unavailable = Assert.IsType<DockerUnavailableException>(_daemon.Translate(exception, "GET /events"));

        Assert.Equal(Host, unavailable.Host);
        Assert.Contains(Host, unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("GET /events", unavailable.Message, StringComparison.Ordinal);
        Assert.Same(exception, unavailable.InnerException);
    }

    [Fact]
    public void Translate_MissingSocketFile_SaysSo()
    {
        var failure = _daemon.Translate(
            new HttpRequestException("Connection failed.", new SocketException((int)SocketError.AddressNotAvailable)), "GET /info");

        Assert.Contains("no socket at /tmp/omd-unit-no-such.sock", failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_MalformedJson_IsDockerException() =>
        Assert.IsType<DockerException>(_daemon.Translate(new JsonException("bad"), "GET /info"));

    [Fact]
    public void Translate_OursOrUnknown_PassesOursAndLeavesOthers()
    {
        var ours = new DockerNotFoundException("gone");

        Assert.Same(ours, _daemon.Translate(ours, "GET /info"));
        Assert.Null(_daemon.Translate(new InvalidOperationException("bug"), "GET /info"));
    }
}
