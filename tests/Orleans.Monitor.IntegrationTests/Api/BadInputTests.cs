using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// Every endpoint against bad input: 404 for unknown ids, 400 naming the parameter for malformed ones, never a 500.
/// On Kestrel, because the in-memory client refuses some hostile paths (%00) before they reach any server. No engine
/// is needed, so the app watches a socket where no daemon runs.
/// </summary>
public sealed class BadInputTests(BadInputTests.NoEngineApp fixture) : IClassFixture<BadInputTests.NoEngineApp>
{
    private const string UnknownId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly string Sixty5 = UnknownId + "0";

    public static TheoryData<string> UnknownPaths => new()
    {
        "/api/hosts/NOPE:NOPE:NOPE",
        "/api/hosts/NOPE:NOPE:NOPE/history",
        "/api/containers/" + UnknownId,
        "/api/containers/" + UnknownId[..12],
        $"/api/containers/{UnknownId}/live",
        $"/api/containers/{UnknownId}/history",
        $"/api/containers/{UnknownId}/events",
        $"/api/containers/{UnknownId[..12]}/events?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&limit=10",
        "/api/services/compose/nope/nothing",
        "/api/services/compose/nope%2Fnothing",
        "/api/services/compose/nope/nothing/history",
        "/api/services/compose/nope%2Fnothing/history",
        "/api/services/compose/nope/history",
        "/api/services/swarm/nothing",
        "/api/services/swarm/nothing/history",
    };

    public static TheoryData<string, string> BadParameters => new()
    {
        { "/api/services?kind=pods", "kind" },
        { "/api/services/pods/web", "kind" },
        { "/api/services/Compose/shop%2Fweb", "kind" },
        { "/api/services/pods/shop/web/history", "kind" },
        { "/api/services/compose/web", "name" },
        { "/api/services/compose/a/b/c", "name" },
        { "/api/services/compose/a%2Fb%2Fc/history", "name" },
        { "/api/services/swarm/a%2Fb", "name" },
        { "/api/services/swarm/a/b", "name" },
        { "/api/services/swarm/" + new string('n', 300), "name" },
        { "/api/services/compose/a/b/history?step=7m", "step" },
        { "/api/services/swarm/web/history?from=yesterday", "from" },
        { "/api/containers/abc123", "id" },
        { "/api/containers/0123456789a", "id" },
        { "/api/containers/zzzzzzzzzzzzzzzz", "id" },
        { "/api/containers/0123456789ABCDEF", "id" },
        { "/api/containers/" + Sixty5, "id" },
        { "/api/containers/abc/live", "id" },
        { "/api/containers/xyz/history", "id" },
        { $"/api/containers/{UnknownId}/live?seconds=0", "seconds" },
        { $"/api/containers/{UnknownId}/live?seconds=601", "seconds" },
        { $"/api/containers/{UnknownId}/live?seconds=abc", "seconds" },
        { $"/api/containers/{UnknownId}/live?seconds=-1", "seconds" },
        { $"/api/containers/{UnknownId}/live?seconds=1e2", "seconds" },
        { $"/api/containers/{UnknownId}/history?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "from" },
        { $"/api/containers/{UnknownId}/history?from=yesterday", "from" },
        { $"/api/containers/{UnknownId}/history?to=31/12/2025", "to" },
        { $"/api/containers/{UnknownId}/history?step=7m", "step" },
        { $"/api/containers/{UnknownId}/history?step=abc", "step" },
        { $"/api/containers/{UnknownId}/history?step=0m", "step" },
        { $"/api/containers/{UnknownId}/history?from=2000-01-01T00:00:00Z", "from" },
        { $"/api/containers/{UnknownId}/history?from={Ago(TimeSpan.FromDays(29))}&step=1m", "step" },
        { "/api/containers/xyz/events", "id" },
        { "/api/containers/0123456789AB/events", "id" },
        { $"/api/containers/{UnknownId}/events?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "from" },
        { $"/api/containers/{UnknownId}/events?from=yesterday", "from" },
        { $"/api/containers/{UnknownId}/events?to=31/12/2025", "to" },
        { $"/api/containers/{UnknownId}/events?limit=0", "limit" },
        { $"/api/containers/{UnknownId}/events?limit=10001", "limit" },
        { $"/api/containers/{UnknownId}/events?limit=ten", "limit" },
        { "/api/hosts/NOPE/history?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "from" },
        { "/api/hosts/NOPE/history?from=not-a-time", "from" },
        { "/api/hosts/NOPE/history?to=not-a-time", "to" },
        { "/api/hosts/NOPE/history?step=7m", "step" },
        { "/api/hosts/NOPE/history?from=1999-01-01T00:00:00Z", "from" },
        { "/api/hosts/bad%20host", "hostId" },
        { "/api/hosts/" + new string('h', 201), "hostId" },
        { "/api/hosts/%C3%B1%F0%9F%98%80/history", "hostId" },
        { "/api/containers?state=sleeping", "state" },
        { "/api/containers?state=RUNNING", "state" },
        { "/api/containers?host=bad%20host", "host" },
        { "/api/containers?name=" + new string('n', 257), "name" },
    };

    public static TheoryData<string> HostilePaths => new()
    {
        "/api/containers/%00",
        "/api/containers/" + UnknownId[..12] + "%00",
        "/api/hosts/%00",
        "/api/hosts/%00/history",
        "/api/containers/" + new string('a', 5000),
        "/api/hosts/" + new string('x', 5000),
        "/api/containers/%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80",
        "/api/containers/..%2F..%2Fetc%2Fpasswd",
        "/api/hosts/..%2F..",
        "/api/containers?name=%00%F0%9F%98%80%27%22%3Cscript%3E",
        "/api/containers?host=%00",
        "/api/containers?state=%00",
        $"/api/containers/{UnknownId}/live?seconds=%00",
        $"/api/containers/{UnknownId}/live?seconds=99999999999999999999",
        $"/api/containers/{UnknownId}/history?from=%00&to=%00&step=%00",
        $"/api/containers/{UnknownId}/history?from=9999-12-31T23:59:59Z",
        $"/api/containers/{UnknownId}/history?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
        $"/api/containers/{UnknownId}/history?step=9999d",
        $"/api/containers/{UnknownId}/history?step=" + new string('9', 5000) + "m",
        "/api/hosts/NOPE/history?from=%E2%80%AE2025",
        "/api/containers?name=" + new string('\u00e9', 100),
        $"/api/containers/{UnknownId}/events?from=%00&to=%00&limit=%00",
        $"/api/containers/{UnknownId}/events?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
        $"/api/containers/{UnknownId}/events?limit=99999999999999999999",
    };

    [Theory]
    [MemberData(nameof(UnknownPaths))]
    public async Task Get_UnknownId_Returns404ProblemDetails(string path)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task Get_MalformedParameter_Returns400NamingParameter(string path, string parameter)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), body);
    }

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task Get_HostileInput_NeverServerError(string path)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {body}");
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound && body.Length > 0)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task GetEvents_AmbiguousPrefix_Returns400NamingId()
    {
        const string prefix = "abcdef012345";
        var store = fixture.App.Services.GetRequiredService<IMonitorStore>();
        await store.UpsertContainersAsync([Stored(prefix + new string('1', 52)), Stored(prefix + new string('2', 52))], CancellationToken.None);
        using var client = fixture.App.CreateApiClient();

        using var ambiguous = await client.GetAsync(new Uri($"/api/containers/{prefix}/events", UriKind.Relative));
        using var unique = await client.GetAsync(new Uri($"/api/containers/{prefix}1/events", UriKind.Relative));
        var body = await ambiguous.Content.ReadAsStringAsync();

        Assert.True(ambiguous.StatusCode == HttpStatusCode.BadRequest, $"{(int)ambiguous.StatusCode}: {body}");
        Assert.Equal("application/problem+json", ambiguous.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("id", out _), body);
        Assert.Equal(HttpStatusCode.OK, unique.StatusCode);
        var list = await unique.Content.ReadFromJsonAsync<ContainerEventList>(MonitorApp.Json);
        Assert.Equal(prefix + new string('1', 52), list?.ContainerId);
        Assert.Empty(list!.Events);
    }

    private static ContainerInfo Stored(string id) => new(
        id, "NOPE:NOPE", "stored", "busybox", new Dictionary<string, string>(), null, null, ContainerState.Removed, null,
        DateTimeOffset.UnixEpoch, null, null, null, false, true);

    private static string Ago(TimeSpan span) =>
        Uri.EscapeDataString((DateTimeOffset.UtcNow - span).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The Api on Kestrel, watching a socket where no daemon runs.</summary>
    public sealed class NoEngineApp : IAsyncLifetime
    {
        private readonly string _root = Path.Combine("/tmp", "omn-" + Guid.NewGuid().ToString("N")[..10]);

        public MonitorApp App { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_root);
            App = new MonitorApp("unix://" + Path.Combine(_root, "docker.sock"), kestrel: true);
            await App.StartAsync();
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Directory.Delete(_root, recursive: true);
        }
    }
}
