using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>
/// How the built <c>orleans-monitor</c> fails: an Api that is not there, an Api without an endpoint, bad usage; and
/// what it sends (the URL from the environment, the token).
/// </summary>
public sealed class CliErrorTests
{
    [Fact]
    public async Task Hosts_ApiUnreachable_ExitsThreeNamingTheUrl()
    {
        var port = MonitorProcess.FreePort();

        var result = await CliProcess.RunAsync(["hosts", "--url", $"http://127.0.0.1:{port}"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal($"error: cannot reach the Api at http://127.0.0.1:{port}/: Connection refused.\n", result.Stderr);
    }

    [Fact]
    public async Task Top_ApiUnreachable_ExitsThreeNamingTheHub()
    {
        var port = MonitorProcess.FreePort();

        var result = await CliProcess.RunAsync(["top", "--url", $"http://127.0.0.1:{port}"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"error: cannot reach the Api's live hub at http://127.0.0.1:{port}/hubs/live: Connection refused.\n", result.Stderr);
    }

    [Fact]
    public async Task Hosts_UrlFromEnvironment_AsksThatApi()
    {
        await using var stub = await StubApi.StartAsync();

        var result = await CliProcess.RunAsync(["hosts", "--output", "json"], new Dictionary<string, string> { ["ORLEANS_MONITOR_URL"] = stub.Url.ToString() });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[]", result.Stdout.Trim());
        Assert.Contains(stub.Requests, r => r.Path == "/api/hosts");
    }

    [Fact]
    public async Task Token_Given_SentAsBearerToRestAndToTheHub()
    {
        await using var stub = await StubApi.StartAsync();

        var hosts = await CliProcess.RunAsync(["hosts", "--url", stub.Url.ToString(), "--token", "s3cret"]);
        var top = await CliProcess.RunAsync(["top", "--url", stub.Url.ToString(), "--token", "s3cret"]);

        Assert.Equal(0, hosts.ExitCode);
        Assert.Contains(stub.Requests, r => r.Path == "/api/hosts" && r.Authorization == "Bearer s3cret");
        Assert.Contains(stub.Requests, r => r.Path == "/hubs/live/negotiate" && r.Authorization == "Bearer s3cret");
        // The stub has no hub: an answer with an error status is the Api's error, not an unreachable Api.
        Assert.Equal(1, top.ExitCode);
        Assert.Equal($"error: the Api's live hub at {stub.Url}hubs/live answered 404 NotFound.\n", top.Stderr);
    }

    [Fact]
    public async Task Events_ApiWithoutTheEndpoint_ExitsOneSayingItIsNotServed()
    {
        await using var stub = await StubApi.StartAsync();
        const string id = "0123456789abcdef";

        var result = await CliProcess.RunAsync(["events", id, "--url", stub.Url.ToString()]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: the Api at {stub.Url} does not serve container events (404 for GET /api/containers/{id}/events); it is older than this orleans-monitor.\n",
            result.Stderr);
    }

    [Theory]
    [InlineData("history abc --since 90x", "error: --since must be a whole number and a unit s, m, h or d (30s, 10m, 2h, 7d), not '90x'.")]
    [InlineData("history abc --step 0m", "error: --step must be a whole number and a unit s, m, h or d (30s, 10m, 2h, 7d), not '0m'.")]
    [InlineData("ps --output yaml", "error: --output must be table, json or csv, not 'yaml'.")]
    [InlineData("ps --url ftp://example", "error: --url must be an absolute http:// or https:// URL, not 'ftp://example'.")]
    [InlineData("frobnicate", "error: Unrecognized command or argument 'frobnicate'.")]
    public async Task Usage_Bad_ExitsTwoWithOneLine(string args, string expected)
    {
        var result = await CliProcess.RunAsync(args.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{expected} (orleans-monitor --help for usage)\n", result.Stderr);
    }
}
