using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// Property-based test (CsCheck) of the rule JSON of <c>PUT /api/rules/{name}</c> against a real standalone Api
/// watching a real engine: valid-looking rules with fields mutated (wrong types, missing, huge numbers, NaN-like
/// strings, unknown keys, several selectors, deep nesting, very long strings, odd durations, scale with and without
/// a Swarm service) under generated names (unicode among them). Never a 5xx, every 400 a problem document naming a
/// rule field, never an error in the app's log; the rules it created are deleted at the end.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed partial class FuzzedRuleTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int Iterations = 5000;

    private static readonly string[] Fields =
    [
        "selector", "metric", "aggregate", "window", "above", "below", "for", "alert", "scale",
        "selector.swarmService", "selector.composeService", "selector.container", "selector.label",
        "alert.severity", "alert.summary", "scale.min", "scale.max", "scale.step", "scale.cooldown",
    ];

    /// <summary>Keys no rule has: each must come back as the field in error.</summary>
    private static readonly string[] UnknownKeys = ["abvoe", "Metric", "pod", "replicas", "selector.pod", "selector.Container", "alert.to", "scale.replicas", "", "😀", "$type", "__proto__"];

    private static readonly string[] Strings =
    [
        "", " ", "NaN", "-NaN", "Infinity", "-Infinity", "null", "true", "0", "-1", "1e308", "80", "0x50", "٨٠",
        "cpuPercent", "CPUPERCENT", "memoryPercent", "memoryUsedBytes", "pids", "throttledPeriodsRatio", "netRxBytesPerSecond",
        "avg", "max", "p95", "p99", "AVG", "warning", "critical", "page",
        "0s", "1ms", "500ms", "1s", "5s", "30s", "-5m", "1m", "10m", "1h", "2h", "30d", "99999999d", "1.5s", "PT1M", "30", "s", "1 s", "1s1m",
        "web", "fuzz/web", "a/b", "a=b", "=b", "a=", "novalue", "two words", "\0", "\u202e", "😀", "名前", "../..", "<script>", "'", "\"",
        new string('x', 300), new string('9', 400), new string('a', 100_000),
    ];

    private readonly TestContainers _containers = new(engine);
    private readonly RecordingLoggerProvider _log = new();
    private MonitorApp? _app;

    private MonitorApp App => _app ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        await _containers.RunAsync(
            ["--name", "fuzzrule-" + Guid.NewGuid().ToString("N")[..8], "--label", "com.docker.compose.project=fuzz", "--label", "com.docker.compose.service=web"],
            "sleep", "100000");
        _app = new MonitorApp(engine.DockerHost, kestrel: true, configureServices: s => s.AddSingleton<ILoggerProvider>(_log));
        await _app.StartAsync();
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
    public async Task PutRule_GeneratedBodies_No5xxEvery400NamesAFieldAndNoErrorLogged()
    {
        using var client = App.CreateApiClient();
        var statuses = new ConcurrentDictionary<int, int>();
        var fieldsNamed = new ConcurrentDictionary<string, int>();
        var created = new ConcurrentDictionary<string, bool>();

        // A valid rule of each kind is accepted: the generated bodies start from these.
        foreach (var (name, body) in new[] { ("fuzz-alert", Base(scale: false)), ("fuzz-scale", Base(scale: true)) })
        {
            using var good = await PutAsync(client, name, body.ToJsonString());
            Assert.True(good.StatusCode == HttpStatusCode.Created, $"{name}: {(int)good.StatusCode} {await good.Content.ReadAsStringAsync()}");
            created[name] = true;
        }

        await Requests().SampleAsync(
            async request =>
            {
                using var response = await PutAsync(client, request.Name, request.Body);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                Assert.True(status < 500, $"PUT {request} -> {status}: {text}");
                if (status is 200 or 201)
                {
                    created[request.Name] = true;
                    return;
                }

                Assert.True(status == 400, $"PUT {request} -> {status}: {text}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(text);
                var field = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateObject()).Name;
                Assert.True(Names(field, request), $"PUT {request} -> 400 naming '{field}', not a rule field: {text}");
                fieldsNamed.AddOrUpdate(field.Split('.', '[')[0], 1, (_, n) => n + 1);
            },
            iter: Iterations,
            threads: 2,
            print: r => r.ToString());

        foreach (var name in created.Keys)
        {
            using var deleted = await client.DeleteAsync(new Uri("/api/rules/" + Uri.EscapeDataString(name), UriKind.Relative));
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var left = await MonitorApp.GetJsonAsync<JsonElement[]>(client, "/api/rules");
        Assert.Empty(left);
        output.WriteLine($"{Iterations} generated PUT /api/rules/{{name}}: "
            + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}")));
        output.WriteLine("400s by field: " + string.Join(", ", fieldsNamed.OrderByDescending(f => f.Value).Select(f => $"{f.Key} x{f.Value}")));
        output.WriteLine($"{created.Count} rules created and deleted");
        var errors = _log.Entries.Where(e => e.Level >= LogLevel.Error || e.Exception is not null).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} errors logged:\n{string.Join('\n', errors.Take(10))}");
    }

    /// <summary>A 400's field is a rule field (or the body or the name as a whole), or the unknown key the body carried.</summary>
    private static bool Names(string field, Request request) =>
        field is "rule" or "name"
        || Fields.Contains(field.Split('[')[0], StringComparer.Ordinal)
        || (field.Length > 0 && KeysOf(request.Body).Contains(field.Split('.')[^1]));

    /// <summary>The property names of a body and of its objects one level down (none when it does not parse).</summary>
    private static HashSet<string> KeysOf(string body)
    {
        try
        {
            if (JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 1000 }) is not JsonObject rule)
            {
                return [];
            }

            return [.. rule.Select(p => p.Key), .. rule.Select(p => p.Value).OfType<JsonObject>().SelectMany(o => o.Select(p => p.Key))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static JsonObject Base(bool scale) => scale
        ? new JsonObject
        {
            ["selector"] = new JsonObject { ["swarmService"] = "web" },
            ["metric"] = "cpuPercent", ["aggregate"] = "avg", ["window"] = "30s", ["above"] = 80, ["below"] = 10, ["for"] = "15s",
            ["scale"] = new JsonObject { ["min"] = 1, ["max"] = 5, ["step"] = 1, ["cooldown"] = "60s" },
        }
        : new JsonObject
        {
            ["selector"] = new JsonObject { ["composeService"] = "fuzz/web" },
            ["metric"] = "memoryPercent", ["aggregate"] = "p95", ["window"] = "10s", ["above"] = 90, ["for"] = "5s",
            ["alert"] = new JsonObject { ["severity"] = "critical", ["summary"] = "fuzz" },
        };

    private static Gen<Request> Requests()
    {
        var mutation = Gen.Select(
            Gen.Frequency((5, Gen.OneOf(Fields)), (1, Gen.OneOf(UnknownKeys))),
            Gen.Int[0, 9],
            Value());
        var name = Gen.Frequency(
            (12, Gen.Int[0, 299].Select(i => "fz-" + i)),
            (1, Gen.OneOf("名前", "ünïcode", "😀", "a b", "-dash", ".dot", new string('n', 128), new string('n', 129), "x/y", "%00", "A.b_c-9")),
            (1, Gen.String[1, 20]))
            .Where(n => n is not "." and not "..");  // dot segments: the client resolves them away, leaving another path
        var raw = Gen.OneOf("", "not json", "[]", "null", "42", "\"rule\"", "{", "{\"metric\":NaN}", "{\"above\":Infinity}", "{}{}", "\uFEFF{}");
        return Gen.Frequency(
            (20, Gen.Select(name, Gen.Bool, mutation.Array[0, 5], (n, scale, mutations) => new Request(n, Mutate(Base(scale), mutations)))),
            (1, Gen.Select(name, raw, (n, body) => new Request(n, body))));
    }

    /// <summary>Applies (path, kind, value): kind 0-1 removes the field, 2-9 sets it to the value.</summary>
    private static string Mutate(JsonObject rule, (string Path, int Kind, JsonNode? Value)[] mutations)
    {
        foreach (var (path, kind, value) in mutations)
        {
            var parts = path.Split('.');
            var parent = rule;
            if (parts.Length == 2)
            {
                if (parent[parts[0]] is not JsonObject child)
                {
                    child = [];
                    parent[parts[0]] = child;
                }

                parent = child;
            }

            if (kind < 2)
            {
                parent.Remove(parts[^1]);
            }
            else
            {
                parent[parts[^1]] = value?.DeepClone();
            }
        }

        // Nesting deeper than a JsonNode writes: spliced into the text.
        return Deep().Replace(rule.ToJsonString(), m =>
        {
            var depth = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return string.Concat(Enumerable.Repeat("{\"a\":[", depth)) + "1" + string.Concat(Enumerable.Repeat("]}", depth));
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"__deep(\\d+)__\"", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Deep();

    /// <summary>Any JSON value: edge strings, numbers from tiny to huge, booleans, arrays, objects (several selectors), deep nesting.</summary>
    private static Gen<JsonNode?> Value() => Gen.Frequency(
        (6, Gen.OneOf(Strings).Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.String[0, 30].Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
        (1, Gen.Long.Select(i => (JsonNode?)JsonValue.Create(i))),
        (2, Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d))),
        (1, Gen.OneOf(0.0, -0.0, 1e308, -1e308, 5e-324, 100.0000001, 2147483648.0, 9.2e18).Select(d => (JsonNode?)JsonValue.Create(d))),
        (1, Gen.Const(() => (JsonNode?)JsonNode.Parse("123456789012345678901234567890"))),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (1, Gen.Const(() => (JsonNode?)null)),
        (1, Gen.Const(() => (JsonNode?)new JsonArray("web", 1))),
        (2, Gen.Select(Gen.OneOf("swarmService", "composeService", "container", "label", "pod"), Gen.OneOf("swarmService", "composeService", "container", "label"), Gen.OneOf(Strings))
            .Select((a, b, s) => (JsonNode?)new JsonObject { [a] = s, [b] = "web" }.DeepClone())),
        (1, Gen.Int[1, 300].Select(depth => (JsonNode?)JsonValue.Create($"__deep{depth}__"))));

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string name, string json) =>
        client.PutAsync(new Uri("/api/rules/" + Uri.EscapeDataString(name), UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>One generated request: the rule name in the path and the body.</summary>
    private sealed record Request(string Name, string Body)
    {
        public override string ToString() => $"/api/rules/{Name} {(Body.Length > 400 ? Body[..400] + $"... ({Body.Length} chars)" : Body)}";
    }
}
