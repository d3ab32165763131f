using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// Property-based tests (CsCheck) against a real running Api watching a real engine with a running Compose-labelled
/// container: every query and path parameter of every GET operation of the OpenAPI document, and the hub's stream
/// arguments, with generated strings (unicode, control characters), numbers (huge, negative, NaN), dates in many
/// shapes and known-good ids. Never a 5xx, never an unhandled exception in the app's log, never a hub error that is
/// not a <c>HubException</c> naming the problem.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class FuzzedInputTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int RestIterations = 3000;
    private const int HubIterations = 600;

    private static readonly string[] EdgeValues =
    [
        "", " ", "0", "-0", "-1", "1", "2147483648", "-2147483649", "9223372036854775808", "1e308", "-1e308", "NaN", "Infinity",
        "0x10", "1.5", "1,5", "٣", "1m", "1d", "1h", "5m", "15m", "0s", "-5m", "99999999d", "1ms", "P1D", "PT1M",
        "now", "today", "0001-01-01", "9999-12-31T23:59:59.9999999Z", "2026-13-45", "2026-02-30T25:61:61Z", "1970-01-01T00:00:00Z",
        "2026-11-30T10:00:00+14:00", "2026-11-30T10:00:00-12:00", "2026-11-30T10:00:00.123456789Z", "1700000000", "-62135596800",
        "%00", "\0", "\u202e", "😀", "a/b", "../..", "%2F", "null", "undefined", "true", "[]", "{}", "'", "\"", "<script>",
        "compose", "swarm", "running", "exited", "paused", "RUNNING", new string('9', 400), new string('x', 5000),
    ];

    private readonly TestContainers _containers = new(engine);
    private readonly RecordingLoggerProvider _log = new();
    private MonitorApp? _app;
    private string _containerId = "";
    private string _hostId = "";

    private MonitorApp App => _app ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _containerId = await _containers.RunAsync(
            ["--name", "fuzz-" + Guid.NewGuid().ToString("N")[..8], "--label", "com.docker.compose.project=fuzz", "--label", "com.docker.compose.service=web"],
            "sleep", "100000");
        _app = new MonitorApp(engine.DockerHost, kestrel: true, configureServices: s => s.AddSingleton<ILoggerProvider>(_log));
        await _app.StartAsync();
        using var client = _app.CreateApiClient();
        var live = await Eventually.GetJsonAsync<ContainerLive[]>(
            client, "/api/containers", all => all.Any(c => c.Container.Id == _containerId && c.Sample is not null), TimeSpan.FromSeconds(90), "the container sampled");
        _hostId = live.First(c => c.Container.Id == _containerId).Container.HostId;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _containers.RemoveAllAsync();
    }

    public void Dispose()
    {
        _app?.Dispose();
        _log.Dispose();
    }

    [Fact]
    public async Task RestGetOperations_GeneratedParameters_No5xxAndNoUnhandledException()
    {
        using var client = App.CreateApiClient();
        var operations = await GetOperationsAsync(client);
        Assert.True(operations.Count >= 10, $"{operations.Count} GET operations in the OpenAPI document");
        var slots = operations.Max(o => o.Path.Count + o.Query.Count);
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();

        var requests = Gen.Select(Gen.Int[0, operations.Count - 1], Gen.Bool.Array[slots], Value(this).Array[slots]);
        await requests.SampleAsync(
            async (index, omit, values) =>
            {
                var uri = Build(operations[index], omit, values);
                using var response = await client.GetAsync(new Uri(uri, UriKind.Relative));
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                Assert.True((int)response.StatusCode < 500, $"GET {uri} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                if ((int)response.StatusCode == 400 && await response.Content.ReadAsStringAsync() is { Length: > 0 } body)
                {
                    // A bad parameter is a problem document (Kestrel itself answers an empty 400 for a path it cannot decode, such as %00).
                    using var problem = JsonDocument.Parse(body);
                    Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
                }
            },
            iter: RestIterations,
            threads: 2,
            print: t => Build(operations[t.Item1], t.Item2, t.Item3));

        output.WriteLine($"{RestIterations} generated GETs over {operations.Count} operations: "
            + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}")));
        foreach (var operation in operations)
        {
            output.WriteLine($"  {operation.Template} path [{string.Join(", ", operation.Path)}] query [{string.Join(", ", operation.Query)}]");
        }

        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task HubStreams_GeneratedArguments_OnlyItemsOrHubExceptionsAndNoUnhandledException()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await using var hub = await HubClient.ConnectAsync(App.ServerAddress!, timeout.Token);
        var outcomes = new Dictionary<string, int>();
        var targets = Gen.OneOf("WatchHost", "WatchContainer", "WatchAll", "watchhost", "NoSuchMethod");
        var argument = Gen.Frequency(
            (6, Value(this).Select(v => (JsonNode?)JsonValue.Create(v))),
            (1, Gen.Long.Select(v => (JsonNode?)JsonValue.Create(v))),
            (1, Gen.Double.Where(double.IsFinite).Select(v => (JsonNode?)JsonValue.Create(v))),
            (1, Gen.Const(() => (JsonNode?)null)),
            (1, Gen.Const(() => (JsonNode?)new JsonObject { ["id"] = "x" })));
        var invocations = Gen.Select(targets, Gen.Int[0, 2], argument.Array[2]);

        // One connection, invocations one at a time (a connection holds a few streams): CsCheck's sequential sampling.
        await invocations.SampleAsync(
            async (target, count, arguments) =>
            {
                var id = await hub.StreamAsync(target, [.. arguments.Take(count)], timeout.Token);
                var answer = await hub.ReceiveForAsync(id, timeout.Token);
                var kind = answer["type"]!.GetValue<int>() == HubClient.StreamItem ? "item" : answer["error"] is null ? "completed" : "error";
                if (kind == "item")
                {
                    await hub.CancelAsync(id, timeout.Token);
                }

                if (answer["error"]?.GetValue<string>() is { } error)
                {
                    // Our errors are HubExceptions with a message; SignalR's own for an unknown method or unbindable
                    // arguments name that. A bare "unexpected error" is an exception the hub did not handle.
                    // SignalR's own answer for arguments it cannot bind starts "Failed to invoke"; an exception thrown by
                    // the hub is "An unexpected error occurred invoking ...", followed by "HubException: ..." only for ours.
                    Assert.True(
                        error.Contains("HubException: ", StringComparison.Ordinal)
                        || error.StartsWith($"Failed to invoke '{target}' due to an error on the server", StringComparison.OrdinalIgnoreCase)
                        || error.Contains("Unknown hub method", StringComparison.Ordinal),
                        $"{target}({string.Join(", ", arguments.Take(count).Select(a => a?.ToJsonString() ?? "null"))}) -> {error}");
                    kind = error.Contains("HubException: ", StringComparison.Ordinal) ? "HubException"
                        : error.Contains("Unknown hub method", StringComparison.Ordinal) ? "unknown method" : "arguments not bindable";
                }

                lock (outcomes)
                {
                    outcomes[$"{target} {kind}"] = outcomes.GetValueOrDefault($"{target} {kind}") + 1;
                }
            },
            iter: HubIterations,
            threads: 1,
            print: t => $"{t.Item1}({string.Join(", ", t.Item3.Take(t.Item2).Select(a => a?.ToJsonString() ?? "null"))})");

        output.WriteLine($"{HubIterations} generated hub invocations on one connection:");
        foreach (var (outcome, n) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {outcome} x{n}");
        }

        // The connection survived every one of them.
        var last = await hub.StreamAsync("WatchContainer", [_containerId], timeout.Token);
        Assert.Equal(HubClient.StreamItem, (await hub.ReceiveForAsync(last, timeout.Token))["type"]!.GetValue<int>());
        AssertNoErrorsLogged();
    }

    [Theory]
    [InlineData("WatchHost", "not a host", "hostId 'not a host' is not a Docker daemon ID")]
    [InlineData("WatchHost", "NOSUCHHOST", "No host with id 'NOSUCHHOST' is known")]
    [InlineData("WatchContainer", "xyz", "containerId 'xyz' is not a container id")]
    [InlineData("WatchContainer", "0123456789ab", "No container with id '0123456789ab' is known")]
    public async Task HubStream_BadId_HubExceptionToClientAndNoErrorLogged(string target, string id, string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var hub = await HubClient.ConnectAsync(App.ServerAddress!, timeout.Token);

        var invocation = await hub.StreamAsync(target, [id], timeout.Token);
        var answer = await hub.ReceiveForAsync(invocation, timeout.Token);

        var error = answer["error"]?.GetValue<string>();
        Assert.True(error is not null && error.Contains("HubException: " + expected, StringComparison.Ordinal), $"{target}({id}) -> {answer.ToJsonString()}");
        var errors = _log.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} errors logged:\n{string.Join('\n', errors.Take(10))}");
    }

    /// <summary>A query or path value: known-good ids, edge cases, random unicode, numbers and dates in many shapes.</summary>
    private static Gen<string> Value(FuzzedInputTests test) => Gen.Frequency(
        (3, Gen.OneOf(test._containerId, test._containerId[..12], test._hostId, "fuzz/web", "web", test._hostId[..4])),
        (4, Gen.OneOf(EdgeValues)),
        (3, Gen.String[0, 40]),
        (1, Gen.Char.Array[0, 12].Select(c => new string(c))),
        (2, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.DateTimeOffset.Select(d => d.ToString("O", CultureInfo.InvariantCulture))),
        (1, Gen.DateTime.Select(d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))),
        (1, Gen.Int[0, 40].Select(n => n + (n % 2 == 0 ? "m" : "h"))));

    private static string Build(Operation operation, bool[] omit, string[] values)
    {
        var path = operation.Template;
        var slot = 0;
        foreach (var name in operation.Path)
        {
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(values[slot] is { Length: > 0 } v ? v : "x"), StringComparison.Ordinal);
            slot++;
        }

        var query = new List<string>();
        foreach (var name in operation.Query)
        {
            if (!omit[slot])
            {
                query.Add(name + "=" + Uri.EscapeDataString(values[slot]));
            }

            slot++;
        }

        return query.Count == 0 ? path : path + "?" + string.Join('&', query);
    }

    private static async Task<List<Operation>> GetOperationsAsync(HttpClient client)
    {
        var document = await MonitorApp.GetJsonAsync<JsonElement>(client, "/openapi/v1.json");
        var operations = new List<Operation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            if (!path.Value.TryGetProperty("get", out var get))
            {
                continue;
            }

            var parameters = (get.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [])
                .Concat(path.Value.TryGetProperty("parameters", out var shared) ? shared.EnumerateArray() : []);
            var list = parameters.Select(x => (In: x.GetProperty("in").GetString(), Name: x.GetProperty("name").GetString()!)).ToList();
            operations.Add(new Operation(
                path.Name,
                [.. list.Where(x => x.In == "path").Select(x => x.Name)],
                [.. list.Where(x => x.In == "query").Select(x => x.Name)]));
        }

        return operations;
    }

    private void AssertNoErrorsLogged()
    {
        // A stream that ends with our HubException (a bad or unknown id, the answer the client gets) is logged at Debug,
        // below the app's level; anything at Error, or an exception logged by ASP.NET Core, fails.
        var errors = _log.Entries
            .Where(e => e.Level >= LogLevel.Error || (e.Exception is not null && e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)))
            .ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} errors logged:\n{string.Join('\n', errors.Take(10))}");
    }

    private sealed record Operation(string Template, IReadOnlyList<string> Path, IReadOnlyList<string> Query);
}
