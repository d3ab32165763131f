using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>
/// The containers table, the service page and honest freshness in headless Chromium, against the Api on Kestrel
/// watching real engines. Compose services are containers carrying Compose's labels, as <c>docker compose</c> sets them.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed partial class DashboardTableTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private const float Timeout = 60_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TestContainers _containers = new(live.Engine);
    private readonly string _token = Guid.NewGuid().ToString("N")[..8];
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

    private string Project => $"t-shop-{_token}";

    [Fact]
    public async Task Table_GroupedByComposeService_AggregatedRowExpandsToItsContainers()
    {
        var web1 = await RunComposeAsync("web", 1, ["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var web2 = await RunComposeAsync("web", 2, [], "sleep", "600");
        var db = await RunComposeAsync("db", 1, [], "sh", "-c", "exit 3");
        var page = await OpenAsync($"#/?group=compose&q={Project}");

        var web = page.Locator($"[data-testid=group-row][data-group='compose:{Project}/web']");
        var dbGroup = page.Locator($"[data-testid=group-row][data-group='compose:{Project}/db']");
        await web.WaitForAsync();
        await dbGroup.WaitForAsync();
        await Poll.UntilAsync(async () => (await web.InnerTextAsync()).Contains("2/2 running", StringComparison.Ordinal), Deadline, "the web group to count 2 of 2 running");
        Assert.Contains("0/1 running", await dbGroup.InnerTextAsync(), StringComparison.Ordinal);
        // Collapsed: no member rows until the group opens.
        Assert.Equal(0, await page.Locator("[data-testid=container-row]").CountAsync());
        await Poll.UntilAsync(async () => CpuValue(await web.Locator("[data-testid=cpu]").InnerTextAsync()) > 1, Deadline, "the web group's summed CPU to show the busy member");

        await web.Locator("[data-testid=group-toggle]").ClickAsync();
        var members = page.Locator($"[data-testid=container-row][data-group='compose:{Project}/web']");
        await Poll.UntilAsync(async () => await members.CountAsync() == 2, Deadline, "the web group to expand to its two containers");
        var ids = await Task.WhenAll((await members.AllAsync()).Select(m => m.GetAttributeAsync("data-container-id")));
        Assert.Equal(new[] { web1, web2 }.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(0, await page.Locator($"[data-testid=container-row][data-container-id='{db}']").CountAsync());
        // The grouping lives in the URL; the group's name links to its service page.
        Assert.Contains("group=compose", page.Url, StringComparison.Ordinal);
        Assert.Equal($"#/services/compose/{Uri.EscapeDataString($"{Project}/web")}", await web.Locator("a.cname").GetAttributeAsync("href"));
        await ShotAsync(page, "table-grouped-compose.png");
    }

    [Fact]
    public async Task ServicePage_ComposeService_ListsItsContainersByHostWithHistory()
    {
        var web1 = await RunComposeAsync("web", 1, ["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var web2 = await RunComposeAsync("web", 2, [], "sleep", "600");
        await RunComposeAsync("db", 1, [], "sleep", "600");
        var page = await OpenAsync($"#/services/compose/{Uri.EscapeDataString($"{Project}/web")}");

        var view = page.Locator($"[data-testid=service-view][data-kind=compose]");
        await view.WaitForAsync();
        var host = page.Locator($"[data-testid=service-host][data-host-id='{live.HostId}']");
        await host.WaitForAsync();
        var members = host.Locator("[data-testid=service-member]");
        await Poll.UntilAsync(async () => await members.CountAsync() == 2, Deadline, "the service's two containers on the engine's host");
        var ids = await Task.WhenAll((await members.AllAsync()).Select(m => m.GetAttributeAsync("data-container-id")));
        Assert.Equal(new[] { web1, web2 }.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal("up", await host.GetAttributeAsync("data-status"));
        await Poll.UntilAsync(async () => await page.Locator("[data-testid=service-count]").InnerTextAsync() == "2 / 2", Deadline, "2 of 2 running");
        await Poll.UntilAsync(async () => CpuValue(await page.Locator("[data-testid=service-cpu]").InnerTextAsync()) > 1, Deadline, "the summed CPU of the busy member");
        Assert.Equal("false", await view.GetAttributeAsync("data-incomplete"));
        Assert.True(await page.Locator("[data-testid=service-incomplete]").IsHiddenAsync());
        await page.Locator("[data-testid=service-history-cpu] canvas").WaitForAsync();
        await Poll.UntilAsync(async () => (await view.InnerTextAsync()).Contains("minutes over 2 containers", StringComparison.Ordinal), Deadline, "the service history to load");
        await ShotAsync(page, "service-page.png");

        // A member's name opens its container page.
        await members.Locator($"a[href='#/containers/{web1}']").ClickAsync();
        await page.Locator($"[data-testid=container-view][data-container-id='{web1}']").WaitForAsync();
    }

    [Fact]
    public async Task Filter_ByImageComposeServiceAndStateChips_ShowsOnlyMatchesAndSaysWhenNone()
    {
        var image = $"t-img-{_token}:1";
        await live.Engine.RunAsync("tag", DockerEngine.BusyboxImage, image);
        var tagged = _containers.Track((await live.Engine.RunAsync("run", "-d", "--network", "none", "--name", $"t-tagged-{_token}", image, "sleep", "600")).Trim());
        var web = await RunComposeAsync("web", 1, [], "sleep", "600");
        var exited = await RunComposeAsync("db", 1, [], "sh", "-c", "exit 3");
        var page = await OpenAsync("#/");
        var rows = page.Locator("[data-testid=container-row]");
        var filter = page.Locator("[data-testid=name-filter]");

        await filter.FillAsync(image);
        await Poll.UntilAsync(async () => await VisibleIdsAsync(rows) is [var only] && only == tagged, Deadline, "only the container of the tagged image");

        await filter.FillAsync($"{Project}/web");
        await Poll.UntilAsync(async () => await VisibleIdsAsync(rows) is [var only] && only == web, Deadline, "only the Compose service's container");

        await filter.FillAsync($"com.docker.compose.project={Project}");
        await Poll.UntilAsync(async () => (await VisibleIdsAsync(rows)).Order(StringComparer.Ordinal).SequenceEqual(new[] { web, exited }.Order(StringComparer.Ordinal)), Deadline, "the project's two containers by label");

        await page.Locator("[data-testid=state-chip-exited]").ClickAsync();
        await Poll.UntilAsync(async () => await VisibleIdsAsync(rows) is [var only] && only == exited, Deadline, "only the exited container");
        Assert.Equal("true", await page.Locator("[data-testid=state-chip-exited]").GetAttributeAsync("aria-pressed"));
        Assert.Matches("state=exited", page.Url);
        Assert.Matches("q=com.docker.compose.project", page.Url);

        // The filter and chips survive a reload: they live in the URL.
        await page.ReloadAsync();
        await Poll.UntilAsync(async () => await VisibleIdsAsync(rows) is [var only] && only == exited, Deadline, "the exited container after a reload");
        Assert.Equal($"com.docker.compose.project={Project}", await filter.InputValueAsync());

        await filter.FillAsync($"nothing-{_token}");
        var empty = page.Locator("[data-testid=containers-empty]");
        await Poll.UntilAsync(async () => await empty.IsVisibleAsync() && await rows.CountAsync() == 0, Deadline, "the empty state");
        Assert.Equal($"no container matches 'nothing-{_token}' in state exited", await empty.InnerTextAsync());
        await ShotAsync(page, "table-filter-empty.png");
    }

    [Fact]
    public async Task Keyboard_SlashArrowDownEnter_OpensTheFocusedContainer()
    {
        var first = await RunComposeAsync("web", 1, [], "sleep", "600");
        var second = await RunComposeAsync("web", 2, [], "sleep", "600");
        var page = await OpenAsync("#/");
        var rows = page.Locator("[data-testid=container-row]");
        await rows.First.WaitForAsync();

        await page.Locator("body").ClickAsync(new LocatorClickOptions { Position = new Position { X = 5, Y = 60 } });
        await page.Keyboard.PressAsync("/");
        Assert.Equal("name-filter", await page.EvaluateAsync<string>("document.activeElement.dataset.testid"));
        await page.Keyboard.TypeAsync(Project);
        await Poll.UntilAsync(async () => (await VisibleIdsAsync(rows)).SequenceEqual([first, second]), Deadline, "the two containers sorted by name");

        await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal(first, await page.EvaluateAsync<string>("document.activeElement.dataset.containerId"));
        await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal(second, await page.EvaluateAsync<string>("document.activeElement.dataset.containerId"));
        // Rows are real links.
        Assert.Equal($"#/containers/{second}", await rows.Nth(1).Locator("a.cname").GetAttributeAsync("href"));
        await page.Keyboard.PressAsync("Enter");
        await page.Locator($"[data-testid=container-view][data-container-id='{second}']").WaitForAsync();
        Assert.EndsWith($"#/containers/{second}", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_PhoneWidth390_CardsWithoutHorizontalOverflow()
    {
        var busy = await RunComposeAsync("web", 1, ["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        await RunComposeAsync("db", 1, [], "sh", "-c", "exit 3");
        var page = await OpenAsync($"#/?q={Project}", new ViewportSize { Width = 390, Height = 844 });
        var rows = page.Locator("[data-testid=container-row]");
        await Poll.UntilAsync(async () => await rows.CountAsync() == 2, Deadline, "the two containers");
        var card = page.Locator($"[data-testid=container-row][data-container-id='{busy}']");
        await Poll.UntilAsync(async () => (await card.Locator("[data-testid=cpu]").InnerTextAsync()).Contains('%', StringComparison.Ordinal), Deadline, "a CPU % on the busy container's card");

        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        output.WriteLine($"page scrollWidth {widths[0]}, clientWidth {widths[1]}");
        Assert.True(widths[0] <= widths[1], $"the page scrolls sideways at 390 px: {widths[0]} > {widths[1]}");
        Assert.Equal("grid", await rows.First.EvaluateAsync<string>("tr => getComputedStyle(tr).display"));
        var box = await rows.First.BoundingBoxAsync();
        Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= 390, $"a card leaves the screen: {box?.X} + {box?.Width}");
        await ShotAsync(page, "table-phone-390.png", fullPage: false);
    }

    [Fact]
    public async Task StoppedEngine_HostTurnsUnreachableWithSocketCauseAndHeaderDegraded()
    {
        // A private engine and Api of this test alone: stopping the shared engine would break the other tests.
        var engine = new DockerEngine();
        await ((IAsyncLifetime)engine).InitializeAsync();
        try
        {
            await using var app = new MonitorApp(engine.DockerHost, kestrel: true);
            await app.StartAsync();
            var hostId = (await engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
            var id = await engine.RunContainerAsync(["--name", $"t-stale-{_token}"], "sleep", "600");
            using (var client = app.CreateApiClient())
            {
                await Eventually.GetJsonAsync<HostSummary[]>(client, "/api/hosts", h => h.Any(x => x.HostId == hostId && x.Status == HostStatus.Up), Deadline, "the private engine's host up");
            }

            var page = await OpenAsync("#/", baseAddress: app.ServerAddress!);
            var host = page.Locator($"[data-testid=host-row][data-host-id='{hostId}']");
            var row = page.Locator($"[data-testid=container-row][data-container-id='{id}']");
            var conn = page.Locator("[data-testid=connection-state]");
            await Poll.UntilAsync(async () => await row.GetAttributeAsync("data-stale") == "false", Deadline, "a fresh sample of the container");
            Assert.Equal("connected", await conn.GetAttributeAsync("data-state"));
            Assert.StartsWith("live", await host.Locator("[data-testid=host-freshness]").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Matches(AgeCell(), await row.Locator("[data-testid=age]").InnerTextAsync());

            await engine.StopAsync();

            await Poll.UntilAsync(async () => await host.GetAttributeAsync("data-status") == HostStatus.Unreachable, TimeSpan.FromSeconds(90), "the host to turn unreachable");
            await Poll.UntilAsync(async () => await conn.GetAttributeAsync("data-state") == "degraded", Deadline, "the header to say degraded");
            var freshness = await host.Locator("[data-testid=host-freshness]").InnerTextAsync();
            output.WriteLine($"host freshness: {freshness}; header: {await conn.InnerTextAsync()}");
            Assert.StartsWith("unreachable · last seen", freshness, StringComparison.Ordinal);
            Assert.Contains(engine.Socket, freshness, StringComparison.Ordinal);
            Assert.Equal("true", await host.GetAttributeAsync("data-stale"));
            Assert.Contains("degraded", await conn.InnerTextAsync(), StringComparison.Ordinal);
            await Poll.UntilAsync(async () => await row.GetAttributeAsync("data-stale") == "true", Deadline, "the container row to turn stale");
            Assert.Contains("host-out", await row.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
            Assert.StartsWith("stale", await row.Locator("[data-testid=age]").InnerTextAsync(), StringComparison.Ordinal);
            var notice = page.Locator("[data-testid=host-out-notice]");
            Assert.Contains(engine.Socket, await notice.InnerTextAsync(), StringComparison.Ordinal);
            await ShotAsync(page, "stale-host.png");

            // The host's own page says what is true of it.
            await page.Locator("[data-testid=name-filter]").FillAsync($"nothing-{_token}");
            await Poll.UntilAsync(
                async () => await page.Locator("[data-testid=containers-empty]").InnerTextAsync() == $"no container matches 'nothing-{_token}'",
                Deadline,
                "the empty state naming the filter");
        }
        finally
        {
            await ((IAsyncLifetime)engine).DisposeAsync();
        }
    }

    private async Task<IPage> OpenAsync(string hash, ViewportSize? viewport = null, Uri? baseAddress = null)
    {
        var page = await _chromium!.NewPageAsync(viewport);
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(new Uri(baseAddress ?? live.App.ServerAddress!, "/" + hash).ToString());
        await page.Locator("[data-testid=connection-state][data-state=connected]").WaitForAsync();
        return page;
    }

    private async Task<string> RunComposeAsync(string service, int number, IReadOnlyList<string> options, params string[] command) =>
        await _containers.RunAsync(
            [
                "--name", $"{Project}-{service}-{number}",
                "--label", $"com.docker.compose.project={Project}",
                "--label", $"com.docker.compose.service={service}",
                "--label", $"com.docker.compose.container-number={number}",
                .. options,
            ],
            command);

    private static async Task<string[]> VisibleIdsAsync(ILocator rows) =>
        [.. (await Task.WhenAll((await rows.AllAsync()).Select(r => r.GetAttributeAsync("data-container-id")))).Select(id => id ?? "")];

    private static double CpuValue(string text)
    {
        var m = CpuText().Match(text);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    private async Task ShotAsync(IPage page, string name, bool fullPage = true) =>
        output.WriteLine("screenshot " + await HeadlessChromium.ScreenshotAsync(page, name, fullPage));

    [GeneratedRegex(@"([0-9]+(\.[0-9]+)?)%")]
    private static partial Regex CpuText();

    [GeneratedRegex(@"^[0-9]+(\.[0-9])?s$")]
    private static partial Regex AgeCell();
}
