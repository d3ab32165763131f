using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// <c>/api/rules</c> and <c>/api/alerts</c> against bad input (every field wrong in turn gets a 400 naming it) and
/// the rule lifecycle in the store (201, 200, 204, 404; kept across a restart). No engine: the app watches a socket
/// where no daemon runs, so the store is all there is.
/// </summary>
public sealed class RulesApiTests(BadInputTests.NoEngineApp fixture) : IClassFixture<BadInputTests.NoEngineApp>
{
    private const string Good = """
        {"selector":{"swarmService":"web"},"metric":"cpuPercent","aggregate":"avg","window":"30s","above":80,"below":10,"for":"15s",
         "alert":{"severity":"critical","summary":"web runs hot"},"scale":{"min":1,"max":5,"step":1,"cooldown":"60s"}}
        """;

    /// <summary>A field path in <see cref="Good"/> and a wrong value for it.</summary>
    public static TheoryData<string, string, string> WrongFields => new()
    {
        { "selector", "selector", "null" },
        { "selector", "selector", """{}""" },
        { "selector", "selector", """{"swarmService":"web","label":"a=b"}""" },
        { "selector.swarmService", "selector", """{"swarmService":"a/b"}""" },
        { "selector.composeService", "selector", """{"composeService":"web"}""" },
        { "selector.container", "selector", """{"container":"two words"}""" },
        { "selector.label", "selector", """{"label":"novalue"}""" },
        { "selector.label", "selector", """{"label":42}""" },
        { "selector.pod", "selector", """{"pod":"web"}""" },
        { "metric", "metric", "\"cpu\"" },
        { "metric", "metric", "null" },
        { "aggregate", "aggregate", "\"median\"" },
        { "window", "window", "\"30\"" },
        { "window", "window", "\"1h\"" },
        { "window", "window", "30" },
        { "above", "above", "\"80\"" },
        { "below", "below", "90" },
        { "for", "for", "\"later\"" },
        { "alert.severity", "alert", """{"severity":"page"}""" },
        { "alert.summary", "alert", """{"summary":["a"]}""" },
        { "scale", "selector", """{"label":"a=b"}""" },
        { "scale.min", "scale", """{"min":-1,"max":5}""" },
        { "scale.max", "scale", """{"min":3,"max":2}""" },
        { "scale.step", "scale", """{"min":1,"max":5,"step":0}""" },
        { "scale.cooldown", "scale", """{"min":1,"max":5,"cooldown":"soon"}""" },
        { "abvoe", "abvoe", "80" },
    };

    [Theory]
    [MemberData(nameof(WrongFields))]
    public async Task Put_FieldWrong_Returns400NamingField(string field, string property, string value)
    {
        var body = JsonNode.Parse(Good)!.AsObject();
        body[property] = JsonNode.Parse(value);
        using var client = fixture.App.CreateApiClient();

        using var response = await PutAsync(client, "bad-" + Guid.NewGuid().ToString("N")[..8], body.ToJsonString());

        await AssertProblemNamesAsync(response, field);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[]")]
    public async Task Put_BodyNotARule_Returns400NamingRule(string body)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await PutAsync(client, "body-" + Guid.NewGuid().ToString("N")[..8], body);

        await AssertProblemNamesAsync(response, "rule");
    }

    [Theory]
    [InlineData("-dash")]
    [InlineData("has%20space")]
    [InlineData("semi;colon")]
    [InlineData("%C3%BC")]
    public async Task Put_BadName_Returns400NamingName(string name)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await PutAsync(client, name, Good);

        await AssertProblemNamesAsync(response, "name");
        using var get = await client.GetAsync(new Uri("/api/rules/" + name, UriKind.Relative));
        await AssertProblemNamesAsync(get, "name");
    }

    [Theory]
    [InlineData("/api/alerts?state=open", "state")]
    [InlineData("/api/alerts?from=yesterday", "from")]
    [InlineData("/api/alerts?to=soon", "to")]
    [InlineData("/api/alerts?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public async Task GetAlerts_BadParameter_Returns400NamingIt(string path, string parameter)
    {
        using var client = fixture.App.CreateApiClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        await AssertProblemNamesAsync(response, parameter);
    }

    [Fact]
    public async Task PutGetDelete_Lifecycle_CreatedReplacedListedDeleted()
    {
        var name = "life-" + Guid.NewGuid().ToString("N")[..8];
        using var client = fixture.App.CreateApiClient();

        using (var created = await PutAsync(client, name, Good))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("/api/rules/" + name, created.Headers.Location?.OriginalString);
        }

        var replacement = JsonNode.Parse(Good)!.AsObject();
        replacement["above"] = 90;
        using (var replaced = await PutAsync(client, name, replacement.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        }

        var rule = await MonitorApp.GetJsonAsync<JsonElement>(client, "/api/rules/" + name);
        Assert.Equal(90, rule.GetProperty("rule").GetProperty("above").GetDouble());
        Assert.Equal("web", rule.GetProperty("rule").GetProperty("selector").GetProperty("swarmService").GetString());
        Assert.Equal("60s", rule.GetProperty("rule").GetProperty("scale").GetProperty("cooldown").GetString());
        // No daemon, so no silo: the rule cannot be evaluated, and says why.
        Assert.Equal("unknown", rule.GetProperty("status").GetProperty("state").GetString());
        Assert.False(string.IsNullOrEmpty(rule.GetProperty("status").GetProperty("reason").GetString()));

        var all = await MonitorApp.GetJsonAsync<JsonElement[]>(client, "/api/rules");
        Assert.Contains(all, r => r.GetProperty("name").GetString() == name);

        using (var deleted = await client.DeleteAsync(new Uri("/api/rules/" + name, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var again = await client.DeleteAsync(new Uri("/api/rules/" + name, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var gone = await client.GetAsync(new Uri("/api/rules/" + name, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Put_ApiRestarted_RuleStillThere()
    {
        var data = Path.Combine("/tmp", "omrules-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(data);
        var socket = "unix://" + Path.Combine(data, "docker.sock");
        var settings = new Dictionary<string, string?> { ["Storage:DataPath"] = data };
        var name = "kept-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var first = new MonitorApp(socket, kestrel: false, settings))
            {
                await first.StartAsync();
                using var client = first.CreateApiClient();
                using var created = await PutAsync(client, name, Good);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            await using var second = new MonitorApp(socket, kestrel: false, settings);
            await second.StartAsync();
            using var after = second.CreateApiClient();
            var rule = await MonitorApp.GetJsonAsync<JsonElement>(after, "/api/rules/" + name);
            Assert.Equal(80, rule.GetProperty("rule").GetProperty("above").GetDouble());
            Assert.Equal("critical", rule.GetProperty("rule").GetProperty("alert").GetProperty("severity").GetString());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string name, string json) =>
        client.PutAsync(new Uri("/api/rules/" + name, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task AssertProblemNamesAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"expected errors.{field}: {body}");
    }
}
