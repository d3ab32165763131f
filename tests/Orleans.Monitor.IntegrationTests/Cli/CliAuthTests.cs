using Orleans.Monitor.IntegrationTests.Auth;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>The built <c>orleans-monitor</c> against an Api that requires keys: <c>--token</c> gets in, none or a wrong one is one clear line.</summary>
public sealed class CliAuthTests(SecuredApi api) : IClassFixture<SecuredApi>
{
    [Fact]
    public async Task Hosts_ViewerToken_ListsHostsExitZero()
    {
        var result = await CliProcess.RunAsync(["hosts", "--output", "json", "--url", api.App.ServerAddress!.ToString(), "--token", SecuredApi.ViewerKey]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("[", result.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-configured-key")]
    public async Task Hosts_NoOrWrongToken_ExitsOneWithOneLineAskingForToken(string? token)
    {
        string[] args = token is null
            ? ["hosts", "--url", api.App.ServerAddress!.ToString()]
            : ["hosts", "--url", api.App.ServerAddress!.ToString(), "--token", token];

        var result = await CliProcess.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(
            $"error: the Api at {api.App.ServerAddress} refused the request (401 Unauthorized): pass a valid API key with --token or ORLEANS_MONITOR_TOKEN.\n",
            result.Stderr);
    }

    [Fact]
    public async Task Top_WrongToken_ExitsOneWithOneLineNaming401()
    {
        var result = await CliProcess.RunAsync(["top", "--url", api.App.ServerAddress!.ToString(), "--token", "not-a-configured-key"]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("401", line, StringComparison.Ordinal);
    }
}
