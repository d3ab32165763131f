using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Auth;

/// <summary>A real Prometheus scrapes an Api that requires keys, as the README configures it: with a viewer key it gets the series, without one it is refused.</summary>
public sealed class MetricsScrapeAuthTests(SecuredApi api, ITestOutputHelper output) : IClassFixture<SecuredApi>
{
    [Fact]
    public async Task Scrape_WithViewerKeyCredentialsFile_UpWithoutKey_Down()
    {
        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, Uri> { ["with-key"] = api.App.ServerAddress!, ["without-key"] = api.App.ServerAddress! },
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["with-key"] = SecuredApi.ViewerKey });

        await Poll.UntilAsync(
            async () => (await prometheus.QueryAsync("up")).Count == 2,
            TimeSpan.FromSeconds(60),
            "both jobs scraped once",
            prometheus.LogTail);

        var up = (await prometheus.QueryAsync("up")).ToDictionary(s => s.Labels["job"], s => s.Value);
        output.WriteLine($"up: {string.Join(", ", up.Select(u => $"{u.Key}={u.Value}"))}");
        Assert.Equal(1, up["with-key"]);
        Assert.Equal(0, up["without-key"]);
    }
}
