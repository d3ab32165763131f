using System.Collections.Immutable;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.Monitor.Cli;
using Orleans.Monitor.Cli.Api;
using Contract = Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.UnitTests.Cli.Api;

/// <summary>
/// The CLI reads what the Api serves: the Contracts' records serialized as ASP.NET Core writes them (web defaults),
/// and the Api's problems for an unknown container and for a route it lacks.
/// </summary>
public sealed class MonitorApiClientTests
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task GetEventsAsync_TheApisAnswer_EveryMemberMapped()
    {
        var die = new Contract.ContainerEvent(Id, "host-1", "die", 1_795_777_200_123_456_789, "web", "busybox:local", 137, null, null,
            ImmutableDictionary<string, string>.Empty.Add("exitCode", "137"));
        var kill = die with { Action = "kill", TimeNano = 1_795_777_200_000_000_000, ExitCode = null, Signal = "9" };
        var health = die with { Action = "health_status", TimeNano = 1_795_777_100_000_000_000, ExitCode = null, Health = "unhealthy" };
        var body = JsonSerializer.Serialize(new { containerId = Id, from = (DateTimeOffset?)null, to = (DateTimeOffset?)null, events = new[] { die, kill, health } }, Web);
        using var client = Client(HttpStatusCode.OK, body);

        var answer = await client.GetEventsAsync(Id, null, null, null, CancellationToken.None);

        Assert.Equal(Id, answer.ContainerId);
        Assert.Equal(["die", "kill", "health_status"], answer.Events.Select(e => e.Action));
        Assert.Equal(die.TimeNano, answer.Events[0].TimeNano);
        Assert.Equal(die.Time, answer.Events[0].Time);
        Assert.Equal(137, answer.Events[0].ExitCode);
        Assert.Equal("web", answer.Events[0].Name);
        Assert.Equal("9", answer.Events[1].Signal);
        Assert.Null(answer.Events[1].ExitCode);
        Assert.Equal("unhealthy", answer.Events[2].Health);
    }

    [Fact]
    public async Task GetEventsAsync_FromAndLimit_SentInTheApisQuery()
    {
        var handler = new Answer(HttpStatusCode.OK, $$"""{ "containerId": "{{Id}}", "from": null, "to": null, "events": [] }""");
        using var client = new MonitorApiClient(new Uri("http://api.test/"), null, handler);

        await client.GetEventsAsync(Id[..12], new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.FromHours(1)), null, 5, CancellationToken.None);

        Assert.Equal($"/api/containers/{Id[..12]}/events?from=2026-11-21T11%3A00%3A00.0000000Z&limit=5", handler.Requested!.PathAndQuery);
    }

    [Fact]
    public async Task GetEventsAsync_MemberMissing_ApiErrorNamingIt()
    {
        // An event without its action: not the contract, so not read as an event with no action.
        using var client = Client(HttpStatusCode.OK, $$"""
            { "containerId": "{{Id}}", "from": null, "to": null, "events": [ { "containerId": "{{Id}}", "hostId": "h", "timeNano": 1,
              "time": "1970-01-01T00:00:00Z", "name": null, "image": null, "exitCode": null, "signal": null, "health": null } ] }
            """);

        var error = await Assert.ThrowsAsync<CliException>(() => client.GetEventsAsync(Id, null, null, null, CancellationToken.None));

        Assert.Equal(ExitCodes.ApiError, error.ExitCode);
        Assert.Contains("'action'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetEventsAsync_UnknownContainer_TheApisProblem()
    {
        using var client = Client(HttpStatusCode.NotFound,
            $$"""{ "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Unknown container.", "status": 404, "detail": "No container with id '{{Id[..12]}}' is known to this cluster." }""");

        var error = await Assert.ThrowsAsync<CliException>(() => client.GetEventsAsync(Id[..12], null, null, null, CancellationToken.None));

        Assert.Equal(ExitCodes.ApiError, error.ExitCode);
        Assert.Equal($"Unknown container: No container with id '{Id[..12]}' is known to this cluster.", error.Message);
    }

    [Fact]
    public async Task GetEventsAsync_RouteMissing_SaysTheApiDoesNotServeEvents()
    {
        // What UseStatusCodePages writes with AddProblemDetails for a path no endpoint matches: no detail.
        using var client = Client(HttpStatusCode.NotFound, """{ "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404 }""");

        var error = await Assert.ThrowsAsync<CliException>(() => client.GetEventsAsync(Id[..12], null, null, null, CancellationToken.None));

        Assert.Equal(ExitCodes.ApiError, error.ExitCode);
        Assert.Equal(
            $"the Api at http://api.test/ does not serve container events (404 for GET /api/containers/{Id[..12]}/events); it is older than this orleans-monitor.",
            error.Message);
    }

    [Fact]
    public async Task ListContainersAsync_TheApisContainerInfo_RestartCountAndLastExitCode()
    {
        var info = new Contract.ContainerInfo(Id, "host-1", "loop", "busybox:local", ImmutableDictionary<string, string>.Empty, null, null, "restarting", null,
            DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, 3, false, false, RestartCount: 4, LastExitCode: 3);
        using var client = Client(HttpStatusCode.OK, JsonSerializer.Serialize(new[] { new { container = info, sample = (object?)null } }, Web));

        var live = Assert.Single(await client.ListContainersAsync(null, null, null, CancellationToken.None));

        Assert.Equal(4, live.Container.RestartCount);
        Assert.Equal(3, live.Container.LastExitCode);
        Assert.Null(live.Sample);
    }

    private static MonitorApiClient Client(HttpStatusCode status, string body) => new(new Uri("http://api.test/"), null, new Answer(status, body));

    /// <summary>Answers every request with one status and JSON body, and keeps the last request's URI.</summary>
    private sealed class Answer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public Uri? Requested { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested = request.RequestUri;
            var media = status == HttpStatusCode.OK ? "application/json" : "application/problem+json";
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, media) });
        }
    }
}
