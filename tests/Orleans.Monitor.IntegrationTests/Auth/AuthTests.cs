using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Auth;

/// <summary>API keys on every endpoint (REST, the hub, /metrics, OpenAPI), security headers and closed CORS.</summary>
public sealed class AuthTests(SecuredApi api, ITestOutputHelper output) : IClassFixture<SecuredApi>
{
    private const string WrongKey = "not-a-configured-key";

    [Fact]
    public async Task Endpoints_EveryEndpointAndOpenApiPath_401WithoutKey403ForViewerOnWritesAllowedWithRole()
    {
        var routes = api.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var requests = new List<(string Method, string Path, string From)>();
        foreach (var endpoint in routes)
        {
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                // The one endpoint open to anyone: a liveness probe carries no key.
                Assert.Equal("/healthz", endpoint.RoutePattern.RawText);
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            requests.AddRange(methods.Select(m => (m, SamplePath(endpoint.RoutePattern), "endpoint " + endpoint.DisplayName)));
        }

        using var viewer = api.Client(SecuredApi.ViewerKey);
        var document = await MonitorApp.GetJsonAsync<JsonElement>(viewer, "/openapi/v1.json");
        var openApiPaths = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            openApiPaths++;
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name != "parameters"))
            {
                requests.Add((operation.Name.ToUpperInvariant(), SamplePath(RoutePatternFactory.Parse(path.Name)), "OpenAPI " + path.Name));
            }
        }

        // Writes that no endpoint serves yet (rules, scaling) follow the same rule: the role is checked before routing answers.
        requests.Add(("POST", "/api/rules", "a write without an endpoint"));
        requests.Add(("DELETE", "/api/hosts/x", "a write without an endpoint"));

        Assert.Contains(requests, r => r.Path == "/metrics");
        Assert.Contains(requests, r => r.Path.StartsWith("/hubs/live", StringComparison.Ordinal));
        Assert.True(openApiPaths >= 10, $"the OpenAPI document lists {openApiPaths} paths");

        using var anonymous = api.Client(null);
        using var wrong = api.Client(WrongKey);
        using var @operator = api.Client(SecuredApi.OperatorKey);
        var writes = 0;
        foreach (var (method, path, from) in requests.Distinct())
        {
            var what = $"{method} {path} ({from})";
            await AssertUnauthorizedAsync(anonymous, method, path, what + " without a key", invalidToken: false);
            await AssertUnauthorizedAsync(wrong, method, path, what + " with a wrong key", invalidToken: true);
            var write = path.StartsWith("/api", StringComparison.Ordinal) && method is not ("GET" or "HEAD");
            writes += write ? 1 : 0;
            using (var response = await SendAsync(viewer, method, path))
            {
                if (write)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what} as a viewer: {(int)response.StatusCode}");
                    await AssertProblemAsync(response, 403, what);
                }
                else
                {
                    AssertAllowed(response, what + " as a viewer");
                }
            }

            using (var response = await SendAsync(@operator, method, path))
            {
                AssertAllowed(response, what + " as an operator");
            }
        }

        output.WriteLine($"{requests.Distinct().Count()} requests ({routes.Count} endpoints, {openApiPaths} OpenAPI paths), {writes} writes: "
            + "401 without or with a wrong key, 403 for a viewer on writes, allowed with the role");
        foreach (var (method, path, _) in requests.Distinct().OrderBy(r => r.Path, StringComparer.Ordinal))
        {
            output.WriteLine($"  {method,-6} {path}");
        }
    }

    [Fact]
    public async Task Healthz_WithoutKey_Answers200()
    {
        using var anonymous = api.Client(null);
        using var response = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Hub_AccessTokenQueryString_ViewerStreamsWithoutOrWrongKeyRefused()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using (var hub = await HubClient.ConnectAsync(api.App.ServerAddress!, SecuredApi.ViewerKey, timeout.Token))
        {
            var id = await hub.StreamAsync("WatchAll", [], timeout.Token);
            var snapshot = await hub.NextItemAsync(id, timeout.Token);
            Assert.NotNull(snapshot);
        }

        foreach (var key in new[] { "", WrongKey })
        {
            var refused = await Assert.ThrowsAsync<WebSocketException>(() => HubClient.ConnectAsync(api.App.ServerAddress!, key, timeout.Token));
            Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        }

        // The query string is a hub-only way in: REST takes the header only.
        using var anonymous = api.Client(null);
        using var rest = await anonymous.GetAsync(new Uri("/api/hosts?access_token=" + SecuredApi.ViewerKey, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
    }

    [Fact]
    public async Task Responses_PageApiAndErrors_CarrySecurityHeadersAndNoCorsHeaders()
    {
        using var viewer = api.Client(SecuredApi.ViewerKey);
        using var anonymous = api.Client(null);
        foreach (var (client, path) in new[] { (anonymous, "/"), (viewer, "/api/hosts"), (anonymous, "/api/hosts"), (viewer, "/openapi/v1.json") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Origin", "http://elsewhere.example");
            using var response = await client.SendAsync(request);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Single(response.Headers.GetValues("Referrer-Policy"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"GET {path} answered with CORS headers");
        }

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/hosts");
        preflight.Headers.Add("Origin", "http://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var answer = await viewer.SendAsync(preflight);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"), $"a preflight was allowed: {(int)answer.StatusCode}");
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Headers"), "a preflight was allowed");
    }

    [Fact]
    public void BuiltPage_IndexHtml_HasNoInlineScriptOrStyleTheCspBlocks()
    {
        var index = Path.Combine(MonitorProcess.RepositoryRoot(), "Api", "wwwroot", "app", "index.html");
        Assert.True(File.Exists(index), $"{index} is not built");
        var html = File.ReadAllText(index);
        Assert.Contains("<script", html, StringComparison.Ordinal);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script\\b[^>]*>", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        Assert.All(scripts, s => Assert.Contains("src=", s.Value, StringComparison.Ordinal));
        Assert.DoesNotMatch("<style\\b", html);
        Assert.DoesNotMatch("\\sstyle\\s*=", html);
        Assert.DoesNotMatch("\\son[a-z]+\\s*=", html);
        Assert.DoesNotMatch("javascript:", html);
    }

    private static string SamplePath(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart { Name: "documentName" } => "v1",
            RoutePatternParameterPart { Name: "kind" } => "compose",
            RoutePatternParameterPart => "x",
            _ => "",
        })));
        return "/" + string.Join('/', segments);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }

    private static async Task AssertUnauthorizedAsync(HttpClient client, string method, string path, string what, bool invalidToken)
    {
        using var response = await SendAsync(client, method, path);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal(invalidToken, challenge.Parameter?.Contains("invalid_token", StringComparison.Ordinal) ?? false);
        await AssertProblemAsync(response, 401, what);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string what)
    {
        if (response.RequestMessage?.Method == HttpMethod.Head)
        {
            return;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: {response.Content.Headers.ContentType}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, body.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("title").GetString()), what);
    }

    private static void AssertAllowed(HttpResponseMessage response, string what)
    {
        // This app watches no engine: an endpoint that needs the cluster answers its own 503 "Not connected." once
        // the key has let the request through.
        var notConnected = response.StatusCode == HttpStatusCode.ServiceUnavailable
            && response.Content.ReadAsStringAsync().GetAwaiter().GetResult().Contains("\"Not connected.\"", StringComparison.Ordinal);
        Assert.True(
            notConnected || (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500),
            $"{what}: {(int)response.StatusCode}");
    }
}
