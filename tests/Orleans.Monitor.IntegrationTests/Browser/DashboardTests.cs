using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>The dashboard in headless Chromium against the Api on Kestrel watching a real engine.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class DashboardTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private const float Timeout = 60_000;
    private readonly TestContainers _containers = new(live.Engine);
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
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task Dashboard_BusyAndIdleContainers_ListsUpdatesSortsAndOpensCharts()
    {
        var token = Guid.NewGuid().ToString("N")[..8];
        var busy = await _containers.RunAsync(["--name", $"t-ui-{token}-busy", "--cpus", "0.5"], "sh", "-c", "while :; do :; done");
        var idle = await _containers.RunAsync(["--name", $"t-ui-{token}-idle"], "sleep", "600");
        var page = await _chromium!.NewPageAsync();
        page.SetDefaultTimeout(Timeout);

        await page.GotoAsync(live.App.ServerAddress!.ToString());
        await page.Locator("[data-testid=connection-state][data-state=connected]").WaitForAsync();
        var hostRow = page.Locator($"[data-testid=host-row][data-host-id='{live.HostId}']");
        await hostRow.WaitForAsync();
        Assert.Equal("up", await hostRow.GetAttributeAsync("data-status"));

        await page.Locator("[data-testid=name-filter]").FillAsync(token);
        var busyRow = page.Locator($"[data-testid=container-row][data-container-id='{busy}']");
        var idleRow = page.Locator($"[data-testid=container-row][data-container-id='{idle}']");
        await busyRow.WaitForAsync();
        await idleRow.WaitForAsync();
        var cpu = busyRow.Locator("[data-testid=cpu]");
        await Poll.UntilAsync(async () => (await cpu.InnerTextAsync()).Contains('%', StringComparison.Ordinal), TimeSpan.FromSeconds(60), "a CPU % in the busy row");
        var firstCpu = await cpu.InnerTextAsync();
        await Poll.UntilAsync(async () => await cpu.InnerTextAsync() != firstCpu, TimeSpan.FromSeconds(60), "the busy row's CPU cell to change");
        var laterCpu = await cpu.InnerTextAsync();
        var memory = await busyRow.Locator("[data-testid=mem]").InnerTextAsync();
        output.WriteLine($"busy row cpu '{firstCpu}' then '{laterCpu}', mem '{memory}'");
        Assert.Matches("[0-9]", memory);

        await page.Locator("[data-testid=sort-cpu]").ClickAsync();
        var rows = page.Locator("[data-testid=container-row]");
        await Poll.UntilAsync(async () => await rows.CountAsync() == 2, TimeSpan.FromSeconds(30), "the filter to leave two rows");
        Assert.Equal(busy, await rows.First.GetAttributeAsync("data-container-id"));
        await page.Locator("[data-testid=sort-mem]").ClickAsync();
        await HeadlessChromium.ScreenshotAsync(page, "dashboard.png");

        await busyRow.ClickAsync();
        var view = page.Locator($"[data-testid=container-view][data-container-id='{busy}']");
        await view.WaitForAsync();
        await page.Locator("[data-testid=live-chart-cpu] canvas").WaitForAsync();
        await page.Locator("[data-testid=history-chart-cpu] canvas").WaitForAsync();
        await Poll.UntilAsync(
            async () => (await view.InnerTextAsync()).Contains("s of data", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "live samples in the container view");
        await HeadlessChromium.ScreenshotAsync(page, "container-view.png");
        output.WriteLine("screenshots in " + HeadlessChromium.ScreenshotFolder);

        // Once a minute has closed, the 1-minute history chart shows it against the fixed 6-hour window.
        using var client = live.App.CreateApiClient();
        await Eventually.GetJsonAsync<ContainerHistory>(
            client, $"/api/containers/{busy}/history", h => h.Points.Count > 0, TimeSpan.FromMinutes(2.5), "a minute aggregate of the busy container");
        await page.ReloadAsync();
        await Poll.UntilAsync(
            async () => (await view.InnerTextAsync()).Contains("1 minutes", StringComparison.Ordinal)
                || (await view.InnerTextAsync()).Contains("2 minutes", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "the history chart to load its minutes");
        await HeadlessChromium.ScreenshotAsync(page, "container-history.png");
    }
}
