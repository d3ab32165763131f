using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>
/// Firing alerts in headless Chromium against the Api on Kestrel watching a real engine: a rule over a busy container
/// fires, the banner above every page names it and the container's charts mark its start; stopping the container
/// resolves it, the banner goes and the charts mark its end.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class AlertsPageTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private const float Timeout = 60_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    private readonly TestContainers _containers = new(live.Engine);
    private readonly List<string> _rules = [];
    private HeadlessChromium? _chromium;

    public async Task InitializeAsync()
    {
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        using var client = live.App.CreateApiClient();
        foreach (var rule in _rules)
        {
            using var _ = await client.DeleteAsync(new Uri("/api/rules/" + rule, UriKind.Relative));
        }

        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task Banner_RuleOverBusyContainer_ShowsAlertAndMarkerThenGoesWhenStopped()
    {
        var name = LiveApi.UniqueName("hot");
        var rule = "hot-" + name[^8..];
        var id = await _containers.RunAsync(["--name", name], "sh", "-c", "while :; do :; done");
        var page = await NewPageAsync();
        await page.GotoAsync($"{live.App.ServerAddress}#/");
        var banner = page.Locator("[data-testid=alert-banner]");
        var item = page.Locator($"[data-testid=alert-item][data-rule='{rule}']");
        Assert.Equal(0, await item.CountAsync());

        await PutRuleAsync(rule, $$$"""
            {"selector":{"container":"{{{name}}}"},"metric":"cpuPercent","aggregate":"avg","window":"5s","above":10,"for":"5s",
             "alert":{"severity":"critical","summary":"busy loop runs hot"}}
            """);

        // The banner appears on the dashboard, live from WatchAlerts, with what fired and where.
        await item.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Wait.TotalMilliseconds });
        Assert.True(await banner.IsVisibleAsync());
        Assert.Equal("critical", await item.GetAttributeAsync("data-severity"));
        var text = await item.InnerTextAsync();
        output.WriteLine($"banner: {text}");
        Assert.Contains("busy loop runs hot", text, StringComparison.Ordinal);
        Assert.Contains("containers " + name, text, StringComparison.Ordinal);
        Assert.Matches(@"^\d+(\.\d)?%$", await item.Locator("[data-testid=alert-value]").InnerTextAsync());

        // The container page keeps the banner and marks the alert's start on its charts.
        await page.GotoAsync($"{live.App.ServerAddress}#/containers/{id}");
        await item.WaitForAsync();
        var liveCpu = page.Locator("[data-testid=live-chart-cpu]");
        var historyCpu = page.Locator("[data-testid=history-chart-cpu]");
        await Poll.UntilAsync(async () => (await MarkersAsync(liveCpu)).Any(m => m.Action == "alert" && m.Rule == rule), Wait, "the alert marker on the live CPU chart", () => liveCpu.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        await Poll.UntilAsync(async () => (await MarkersAsync(historyCpu)).Any(m => m.Action == "alert" && m.Rule == rule), Wait, "the alert marker on the history CPU chart", () => historyCpu.GetAttributeAsync("data-markers").GetAwaiter().GetResult());

        // Hovering the marker says which rule fired.
        // The live chart slides every second, so the marker is found again before each move of the mouse.
        await liveCpu.Locator(".u-over").ScrollIntoViewIfNeededAsync();
        var tip = liveCpu.Locator(".marker-tip:not([hidden])");
        var tipText = "";
        await Poll.UntilAsync(
            async () =>
            {
                var box = await liveCpu.Locator(".u-over").BoundingBoxAsync() ?? throw new InvalidOperationException("no plot area");
                var marker = (await MarkersAsync(liveCpu)).First(m => m.Action == "alert" && m.Rule == rule);
                await page.Mouse.MoveAsync(box.X + (float)marker.X, box.Y + 20);
                tipText = await tip.IsVisibleAsync() ? await tip.InnerTextAsync() : "";
                return tipText.Contains($"alert {rule} (critical) firing", StringComparison.Ordinal);
            },
            Wait,
            "the alert marker's tooltip",
            () => tipText);
        await HeadlessChromium.ScreenshotAsync(page, "alert-firing.png", fullPage: false);

        // Stopping the container resolves the alert: the banner goes, the charts mark the end.
        await live.Engine.RunAsync("stop", "-t", "1", id);
        await item.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = (float)Wait.TotalMilliseconds });
        await Poll.UntilAsync(async () => await banner.IsHiddenAsync() || await page.Locator("[data-testid=alert-item]").CountAsync() > 0, Wait, "the banner to hide or show only other alerts");
        await Poll.UntilAsync(async () => (await MarkersAsync(liveCpu)).Any(m => m.Action == "alert_resolved" && m.Rule == rule), Wait, "the resolved marker on the live CPU chart", () => liveCpu.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        await HeadlessChromium.ScreenshotAsync(page, "alert-resolved.png", fullPage: false);
    }

    [Fact]
    public async Task ServiceCharts_RuleOverComposeService_MarksAlertStart()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (project, service) = ("shop" + tag, "web");
        var rule = "svc-" + tag;
        await _containers.RunAsync(
            ["--name", LiveApi.UniqueName("svc"), "--label", "com.docker.compose.project=" + project, "--label", "com.docker.compose.service=" + service],
            "sh", "-c", "while :; do :; done");
        await PutRuleAsync(rule, $$$"""
            {"selector":{"composeService":"{{{project}}}/{{{service}}}"},"metric":"cpuPercent","aggregate":"max","window":"5s","above":10,"for":"5s",
             "alert":{"severity":"warning","summary":"service runs hot"}}
            """);

        var page = await NewPageAsync();
        await page.GotoAsync($"{live.App.ServerAddress}#/services/compose/{Uri.EscapeDataString(project + "/" + service)}");
        var item = page.Locator($"[data-testid=alert-item][data-rule='{rule}']");
        await item.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Wait.TotalMilliseconds });
        Assert.Equal("warning", await item.GetAttributeAsync("data-severity"));
        foreach (var chart in new[] { "service-chart-cpu", "service-chart-mem" })
        {
            var card = page.Locator($"[data-testid={chart}]");
            await Poll.UntilAsync(async () => (await MarkersAsync(card)).Any(m => m.Action == "alert" && m.Rule == rule), Wait, $"the alert marker on {chart}", () => card.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        }

        await HeadlessChromium.ScreenshotAsync(page, "alert-service.png");
    }

    [Fact]
    public async Task ServiceCharts_RecordedScalingDecisions_DrawScaledAndBlockedMarkers()
    {
        // A container with the Swarm service label is a member of that service, as a task is; the decisions are
        // recorded in the Api's store as the autoscaler records them.
        var service = "web" + Guid.NewGuid().ToString("N")[..8];
        await _containers.RunAsync(["--name", LiveApi.UniqueName("task"), "--label", "com.docker.swarm.service.name=" + service], "sleep", "600");
        var store = live.App.Services.GetRequiredService<IScalingStore>();
        var now = DateTimeOffset.UtcNow;
        await store.WriteScalingDecisionAsync(new ScalingDecision(service, now.AddMinutes(-3), 1, 3, "hot-" + service, 91.5, "scaled", null), CancellationToken.None);
        await store.WriteScalingDecisionAsync(new ScalingDecision(service, now.AddMinutes(-1), 3, 3, "hot-" + service, 96.2, "blocked-max", "already at max 3"), CancellationToken.None);
        using (var client = live.App.CreateApiClient())
        {
            await Eventually.GetJsonAsync<JsonElement>(client, $"/api/services/swarm/{service}", _ => true, Wait, "the service's member", HttpStatusCode.NotFound);
        }

        var page = await NewPageAsync();
        await page.GotoAsync($"{live.App.ServerAddress}#/services/swarm/{service}");
        var card = page.Locator("[data-testid=service-chart-cpu]");
        await Poll.UntilAsync(
            async () => (await MarkersAsync(card)).Count(m => m.Rule == "hot-" + service) == 2,
            Wait,
            "the two decisions on the service's CPU chart",
            () => card.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        var markers = (await MarkersAsync(card)).OrderBy(m => m.T).ToList();
        Assert.Equal([("scaled", "scaled"), ("scale_blocked", "blocked-max")], markers.Select(m => (m.Action, m.Outcome)));

        await card.Locator(".u-over").ScrollIntoViewIfNeededAsync();
        var box = await card.Locator(".u-over").BoundingBoxAsync() ?? throw new InvalidOperationException("no plot area");
        var tip = card.Locator(".marker-tip:not([hidden])");
        await page.Mouse.MoveAsync(box.X + (float)markers[0].X, box.Y + 20);
        await tip.WaitForAsync();
        Assert.Contains($"scaled 1→3 by rule hot-{service}", await tip.InnerTextAsync(), StringComparison.Ordinal);
        await HeadlessChromium.ScreenshotAsync(page, "scaling-markers.png", fullPage: false);
        await page.Mouse.MoveAsync(box.X + (float)markers[1].X, box.Y + 20);
        await Poll.UntilAsync(async () => (await tip.InnerTextAsync()).Contains("blocked by max", StringComparison.Ordinal), Wait, "the blocked decision's tooltip", () => tip.InnerTextAsync().GetAwaiter().GetResult());
        Assert.Contains("already at max 3", await tip.InnerTextAsync(), StringComparison.Ordinal);
    }

    private async Task<IPage> NewPageAsync()
    {
        var page = await _chromium!.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        return page;
    }

    private async Task PutRuleAsync(string rule, string json)
    {
        using var client = live.App.CreateApiClient();
        using var response = await client.PutAsync(new Uri("/api/rules/" + rule, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        _rules.Add(rule);
    }

    private static async Task<IReadOnlyList<Marker>> MarkersAsync(ILocator card)
    {
        var json = await card.GetAttributeAsync("data-markers");
        return json is null ? [] : JsonSerializer.Deserialize<List<Marker>>(json, Json) ?? [];
    }

    private sealed record Marker(string Action, double T, string? Rule, string? Outcome, double X);
}
