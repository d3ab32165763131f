using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// <c>/openapi/v1.json</c> against the Api's real answers: every operation is called with a malformed and with an
/// unknown value in each parameter (a PUT with an empty object as its body), and each 400 or 404 it answers must be
/// listed as a problem-details response;
/// every number in every schema is typed as a number only.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class OpenApiTests(LiveApi live, ITestOutputHelper output) : IDisposable
{
    /// <summary>A value each parameter rejects (400) and a well-formed one no host or container has (404).</summary>
    private static readonly Dictionary<string, (string Malformed, string Unknown)> Probes = new(StringComparer.Ordinal)
    {
        ["hostId"] = ("not a host!", "NOPE:NOPE:NOPE"),
        ["id"] = ("NOT-HEX", new string('f', 64)),
        ["host"] = ("not a host!", "NOPE:NOPE:NOPE"),
        ["state"] = ("sleeping", "running"),
        ["name"] = (new string('n', 300), "no-such-name"),
        ["seconds"] = ("0", "5"),
        ["from"] = ("yesterday", ""),
        ["to"] = ("tomorrow", ""),
        ["step"] = ("7m", "5m"),
        ["limit"] = ("0", "10"),
        ["kind"] = ("pods", "swarm"),
        ["service"] = ("not/a-service", "no-such-service"),
    };

    private readonly HttpClient _client = live.App.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Document_EveryOperation_ListsEveryProblemItAnswersAndTypesNumbersAsNumbers()
    {
        var document = JsonNode.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!.AsObject();
        var paths = document["paths"]!.AsObject();
        Assert.NotEmpty(paths);

        var answered = new List<string>();
        foreach (var (path, item) in paths)
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                // Writes (PUT and DELETE of a rule) are probed too: a PUT sends an empty object, which no rule is.
                Assert.Contains(method, (string[])["get", "put", "delete"]);
                var operation = operationNode!.AsObject();
                var responses = operation["responses"]!.AsObject();
                var parameters = operation["parameters"]?.AsArray().Select(p => p!.AsObject()).ToList() ?? [];
                foreach (var parameter in parameters)
                {
                    var name = parameter["name"]!.GetValue<string>();
                    Assert.True(Probes.ContainsKey(name), $"{path}: no probe for parameter '{name}'");
                    foreach (var value in new[] { Probes[name].Malformed, Probes[name].Unknown })
                    {
                        var status = await CallAsync(method, path, parameters, name, value);
                        answered.Add($"{method} {path} {name}={value}: {(int)status}");
                        if (status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
                        {
                            AssertProblemListed(path, responses, status);
                        }
                        else
                        {
                            Assert.True(status == HttpStatusCode.OK, $"{method} {path} {name}={value}: {status}");
                        }
                    }
                }

                if (parameters.Count > 0)
                {
                    // Every operation with a parameter rejects a malformed one: its 400 must be listed.
                    AssertProblemListed(path, responses, HttpStatusCode.BadRequest);
                }
            }
        }

        output.WriteLine(string.Join('\n', answered));
        var badNumbers = new List<string>();
        FindLooseNumbers(document, "#", badNumbers);
        Assert.True(badNumbers.Count == 0, "numbers typed loosely:\n" + string.Join('\n', badNumbers));
        var seconds = paths["/api/containers/{id}/live"]!["get"]!["parameters"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == "seconds")!["schema"]!;
        Assert.Equal("integer", seconds["type"]!.GetValue<string>());
        Assert.Equal(1, seconds["minimum"]!.GetValue<int>());
        Assert.Equal(600, seconds["maximum"]!.GetValue<int>());
    }

    [Fact]
    public async Task Responses_Numbers_AreJsonNumbers()
    {
        var hosts = JsonNode.Parse(await _client.GetStringAsync(new Uri("/api/hosts", UriKind.Relative)))!.AsArray();

        var host = Assert.Single(hosts)!.AsObject();
        Assert.Equal(JsonValueKind.Number, host["cpuPercent"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, host["memoryUsedBytes"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, host["containersTotal"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, host["host"]!["cpus"]!.GetValueKind());
    }

    /// <summary>Calls the operation with every required parameter filled by a valid value and <paramref name="name"/> set to <paramref name="value"/>.</summary>
    private async Task<HttpStatusCode> CallAsync(string method, string path, List<JsonObject> parameters, string name, string value)
    {
        var url = path.Replace("{hostId}", Escape(name == "hostId" ? value : live.HostId), StringComparison.Ordinal);
        var known = (await MonitorApp.GetJsonAsync<JsonArray>(_client, "/api/containers")).FirstOrDefault()?["container"]?["id"]?.GetValue<string>();
        url = url.Replace("{id}", Escape(name == "id" ? value : known ?? new string('f', 64)), StringComparison.Ordinal);
        // A service path: the kind defaults to swarm, whose names have no slash, so the name probes judge the name alone.
        url = url.Replace("{kind}", Escape(name == "kind" ? value : "swarm"), StringComparison.Ordinal);
        url = url.Replace("{name}", Escape(name == "name" ? value : "no-such-service"), StringComparison.Ordinal);
        var query = parameters
            .Where(p => p["in"]!.GetValue<string>() == "query" && p["name"]!.GetValue<string>() == name && value.Length > 0)
            .Select(p => $"{name}={Escape(value)}");
        var target = url + (query.Any() ? "?" + string.Join('&', query) : "");
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), new Uri(target, UriKind.Relative));
        if (method == "put")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _client.SendAsync(request);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return response.StatusCode;
    }

    private static void AssertProblemListed(string path, JsonObject responses, HttpStatusCode status)
    {
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(responses.ContainsKey(code), $"{path} answers {code} but the document lists only {string.Join(", ", responses.Select(r => r.Key))}");
        var schema = responses[code]!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
        Assert.True(schema is not null && schema.EndsWith("ProblemDetails", StringComparison.Ordinal), $"{path} {code}: not problem details ({responses[code]!.ToJsonString()})");
    }

    /// <summary>Collects every schema that lets a number be a string, or a named literal such as NaN.</summary>
    private static void FindLooseNumbers(JsonNode? node, string where, List<string> found)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["type"] is JsonArray types)
                {
                    var names = types.Select(t => t!.GetValue<string>()).ToList();
                    if (names.Contains("string") && (names.Contains("integer") || names.Contains("number")))
                    {
                        found.Add($"{where}: {obj.ToJsonString()}");
                    }
                }

                if (obj["type"]?.GetValueKind() == JsonValueKind.String && obj["type"]!.GetValue<string>() is "integer" or "number" && obj.ContainsKey("pattern"))
                {
                    found.Add($"{where}: {obj.ToJsonString()}");
                }

                if (obj["enum"] is JsonArray literals && literals.Any(l => l?.GetValueKind() == JsonValueKind.String && l.GetValue<string>() is "NaN" or "Infinity" or "-Infinity"))
                {
                    found.Add($"{where}: {obj.ToJsonString()}");
                }

                foreach (var (key, child) in obj)
                {
                    FindLooseNumbers(child, where + "/" + key, found);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    FindLooseNumbers(array[i], $"{where}/{i}", found);
                }

                break;
        }
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
