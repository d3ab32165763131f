using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Microsoft.Playwright;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;
using IRequest = Microsoft.Playwright.IRequest;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>
/// The container page in headless Chromium against the Api on Kestrel watching a real engine: history ranges and
/// zoom kept in the URL, lifecycle markers and the event list, limit lines, restarts and docker's units.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed partial class ContainerPageTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private const float Timeout = 60_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
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
    public async Task RangePicker_OtherRange_RefetchesWithItsWindowAndStepAndRedraws()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("range")], "sleep", "600");
        var page = await OpenAsync();

        // A container a few seconds old opens on the minute before it was created up to now, so its first minutes
        // fill the chart instead of being a dot at the right edge of a fixed window.
        var createdText = Regex.Replace((await live.Engine.RunAsync("inspect", "--format", "{{.Created}}", id)).Trim(), @"(\.[0-9]{7})[0-9]+", "$1");
        var created = DateTime.Parse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var first = await page.RunAndWaitForRequestAsync(() => page.GotoAsync(PageUrl(id)), IsHistory);
        var (from, to, step) = HistoryQuery(first);
        output.WriteLine($"default request: {first.Url} (created {created:O})");
        Assert.Equal("1m", step);
        Assert.InRange(created - from, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));
        Assert.InRange(to - from, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        var card = page.Locator("[data-testid=history-chart-cpu]");
        await Poll.UntilAsync(async () => await XSpanAsync(card) is > 60 and < 600, Wait, "the history chart to span the container's minutes");
        Assert.Contains("since created", await page.Locator("[data-testid=container-view] .panel-head h2").Nth(1).TextContentAsync(), StringComparison.Ordinal);

        var week = await page.RunAndWaitForRequestAsync(() => page.Locator("[data-testid=range-7d]").ClickAsync(), IsHistory);
        (from, to, step) = HistoryQuery(week);
        output.WriteLine($"7 d request: {week.Url}");
        Assert.Equal("15m", step);
        Assert.InRange((to - from).TotalHours, (7 * 24) - 0.25, 7 * 24);
        await Poll.UntilAsync(async () => await XSpanAsync(card) > 6 * 86400, Wait, "the history chart to redraw over 7 days");
        Assert.Equal(((DateTimeOffset)from).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), await card.GetAttributeAsync("data-x-min"));
        Assert.Contains("range=7d", page.Url, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("[data-testid=range-7d]").GetAttributeAsync("aria-pressed"));

        var hour = await page.RunAndWaitForRequestAsync(() => page.Locator("[data-testid=range-1h]").ClickAsync(), IsHistory);
        (from, to, step) = HistoryQuery(hour);
        Assert.Equal("1m", step);
        Assert.InRange((to - from).TotalMinutes, 59, 60); // a preset's start is rounded up to its step
        await Poll.UntilAsync(async () => await XSpanAsync(card) is > 3500 and < 3700, Wait, "the history chart to redraw over 1 hour");
        await HeadlessChromium.ScreenshotAsync(page, "container-range-1h.png");
    }

    [Fact]
    public async Task Zoom_DragAcrossHistoryChart_PutsWindowInUrlAndReloadRestoresIt()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("zoom")], "sleep", "600");
        var page = await OpenAsync();
        await page.RunAndWaitForRequestAsync(() => page.GotoAsync(PageUrl(id) + "?range=1h"), IsHistory);
        var card = page.Locator("[data-testid=history-chart-cpu]");
        await Poll.UntilAsync(async () => await XSpanAsync(card) is > 3500 and < 3700, Wait, "the 1 h range from the URL");

        var over = card.Locator(".u-over");
        await over.ScrollIntoViewIfNeededAsync();
        var box = await over.BoundingBoxAsync() ?? throw new InvalidOperationException("the history chart has no plot area");
        var y = box.Y + (box.Height / 2);
        var zoomed = await page.RunAndWaitForRequestAsync(
            async () =>
            {
                await page.Mouse.MoveAsync(box.X + (box.Width * 0.4f), y);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync(box.X + (box.Width * 0.7f), y, new MouseMoveOptions { Steps = 8 });
                await page.Mouse.UpAsync();
            },
            IsHistory);
        var (from, to, step) = HistoryQuery(zoomed);
        output.WriteLine($"zoom request: {zoomed.Url}; page {page.Url}");
        Assert.Equal("1m", step);
        Assert.InRange((to - from).TotalMinutes, 15, 21); // 30% of an hour, give or take the pixels
        var hashQuery = HttpUtility.ParseQueryString(new Uri(page.Url).Fragment.Split('?', 2)[1]);
        Assert.Equal((Iso(from), Iso(to), "1h"), (hashQuery["from"], hashQuery["to"], hashQuery["range"]));
        var resetButton = page.Locator("[data-testid=zoom-reset]");
        await resetButton.WaitForAsync();

        var restored = await page.RunAndWaitForRequestAsync(() => page.ReloadAsync(), IsHistory);
        Assert.Equal((from, to, step), HistoryQuery(restored));
        await resetButton.WaitForAsync();
        var fromSeconds = ((DateTimeOffset)from).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        await Poll.UntilAsync(async () => await card.GetAttributeAsync("data-x-min") == fromSeconds, Wait, "the reloaded chart to start at the zoom's start");
        await HeadlessChromium.ScreenshotAsync(page, "container-zoomed.png");

        var reset = await page.RunAndWaitForRequestAsync(() => resetButton.ClickAsync(), IsHistory);
        (from, to, _) = HistoryQuery(reset);
        Assert.InRange((to - from).TotalMinutes, 59, 60); // a preset's start is rounded up to its step
        Assert.DoesNotContain("from=", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markers_DockerKill_DrawsDieMarkerWithExitCode137AndListsTheEvent()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("kill")], "sleep", "600");
        var page = await OpenAsync();
        await page.GotoAsync(PageUrl(id));
        var view = page.Locator($"[data-testid=container-view][data-container-id='{id}']");
        await Poll.UntilAsync(async () => (await view.InnerTextAsync()).Contains("s of data", StringComparison.Ordinal), Wait, "live samples");
        var liveCpu = page.Locator("[data-testid=live-chart-cpu]");
        await Poll.UntilAsync(async () => (await MarkersAsync(liveCpu)).Any(m => m.Action == "start"), Wait, "the start marker on the live chart");
        Assert.DoesNotContain(await MarkersAsync(liveCpu), m => m.Action == "die");

        await live.Engine.RunAsync("kill", id);

        await Poll.UntilAsync(
            async () => (await MarkersAsync(liveCpu)).Any(m => m.Action == "die" && m.ExitCode == 137),
            Wait,
            "a die marker with exit code 137 on the live CPU chart",
            () => liveCpu.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        var historyMarkers = page.Locator("[data-testid=history-chart-mem]");
        await Poll.UntilAsync(async () => (await MarkersAsync(historyMarkers)).Any(m => m.Action == "die" && m.ExitCode == 137), Wait, "the die marker on the history chart");
        var row = page.Locator("[data-testid=event-row][data-action=die][data-exit-code='137']");
        await row.WaitForAsync();
        Assert.Contains("signal 9", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("die", await page.Locator("[data-testid=event-row]").First.GetAttributeAsync("data-action")); // newest first

        // Hovering the marker explains it.
        await liveCpu.Locator(".u-over").ScrollIntoViewIfNeededAsync();
        var box = await liveCpu.Locator(".u-over").BoundingBoxAsync() ?? throw new InvalidOperationException("no plot area");
        var die = (await MarkersAsync(liveCpu)).First(m => m.Action == "die");
        await page.Mouse.MoveAsync(box.X + (float)die.X, box.Y + 20);
        var tip = liveCpu.Locator(".marker-tip:not([hidden])");
        await tip.WaitForAsync();
        Assert.Contains("exit 137", await tip.InnerTextAsync(), StringComparison.Ordinal);
        await HeadlessChromium.ScreenshotAsync(page, "container-killed.png");
    }

    [Fact]
    public async Task CrashLoop_RestartAlways_ShowsRestartCountAndLastExitCode3()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("crash"), "--restart", "always"], "sh", "-c", "sleep 1; exit 3");
        var page = await OpenAsync();
        await page.GotoAsync(PageUrl(id));
        var restarts = page.Locator("[data-testid=kpi-restarts]");
        await Poll.UntilAsync(
            async () => int.TryParse(await restarts.InnerTextAsync(), CultureInfo.InvariantCulture, out var n) && n >= 2,
            Wait,
            "two restarts on the container page",
            () => restarts.InnerTextAsync().GetAwaiter().GetResult());
        Assert.Equal("3", await page.Locator("[data-testid=kpi-last-exit]").InnerTextAsync());
        await page.Locator("[data-testid=event-row][data-action=die][data-exit-code='3']").First.WaitForAsync();
        await Poll.UntilAsync(
            async () => (await MarkersAsync(page.Locator("[data-testid=history-chart-cpu]"))).Count(m => m.Action == "die" && m.ExitCode == 3) >= 2,
            Wait,
            "die markers with exit code 3 on the history chart");
        await HeadlessChromium.ScreenshotAsync(page, "container-crash-loop.png");
    }

    [Fact]
    public async Task Limits_CpusHalfAndMemory64m_DrawsLimitLinesAndShowsThrottling()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("limits"), "--cpus", "0.5", "-m", "64m"], "sh", "-c", "while :; do :; done");
        var page = await OpenAsync();
        await page.GotoAsync(PageUrl(id));

        var liveCpu = page.Locator("[data-testid=live-chart-cpu]");
        var liveMem = page.Locator("[data-testid=live-chart-mem]");
        await Poll.UntilAsync(async () => await liveCpu.GetAttributeAsync("data-limit") == "50", Wait, "the 0.5-core limit line (50%) on the live CPU chart");
        Assert.Equal("67108864", await liveMem.GetAttributeAsync("data-limit"));
        Assert.Equal("50", await page.Locator("[data-testid=history-chart-cpu]").GetAttributeAsync("data-limit"));
        Assert.Equal("67108864", await page.Locator("[data-testid=history-chart-mem]").GetAttributeAsync("data-limit"));
        Assert.StartsWith("0.5 cores", await page.Locator("[data-testid=kpi-cpu-limit]").InnerTextAsync(), StringComparison.Ordinal);
        var memory = page.Locator("[data-testid=kpi-mem]");
        await Poll.UntilAsync(async () => Regex.IsMatch(await memory.InnerTextAsync(), "^[0-9.]+(B|KiB|MiB) / 64MiB$"), Wait, "memory used / 64MiB", () => memory.InnerTextAsync().GetAwaiter().GetResult());

        // A busy loop held at half a core is throttled (in nearly every CFS period on an idle machine; fewer when
        // the machine's other work leaves it less than its quota).
        var throttled = page.Locator("[data-testid=kpi-throttled]");
        await Poll.UntilAsync(async () => Percent(await throttled.InnerTextAsync()) > 0, Wait, "the throttled share of periods", () => throttled.InnerTextAsync().GetAwaiter().GetResult());
        var liveThrottled = page.Locator("[data-testid=live-chart-throttled]");
        await Poll.UntilAsync(async () => int.Parse(await liveThrottled.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture) > 0, Wait, "the throttling chart's points");

        // A restart adds its markers next to the limits.
        await live.Engine.RunAsync("restart", "-t", "1", id);
        await Poll.UntilAsync(
            async () => (await MarkersAsync(liveCpu)) is var m && m.Any(e => e.Action == "die") && m.Count(e => e.Action == "start") >= 2,
            Wait,
            "die and start markers after the restart",
            () => liveCpu.GetAttributeAsync("data-markers").GetAwaiter().GetResult());
        Assert.Equal("50", await liveCpu.GetAttributeAsync("data-limit"));
        await HeadlessChromium.ScreenshotAsync(page, "container-annotations-limits.png");
    }

    [Fact]
    [Trait(Lane.Name, Lane.Alongside)]
    public async Task HistoryThrottled_QuotaBoundContainer_ChartsEachMinutesShareOfCfsPeriodsAndGapsWithoutQuota()
    {
        var throttled = await _containers.RunAsync(["--name", LiveApi.UniqueName("thr-history"), "--cpus", "0.1"], "sh", "-c", "while :; do :; done");
        var unlimited = await _containers.RunAsync(["--name", LiveApi.UniqueName("thr-none")], "sh", "-c", "while :; do :; done");
        using var client = live.App.CreateApiClient();
        var page = await OpenAsync();
        await page.GotoAsync(PageUrl(throttled));

        var card = page.Locator("[data-testid=history-chart-throttled]");
        Assert.Equal("% of CFS periods", await card.Locator(".unit").InnerTextAsync());
        var (plotted, history) = await PlottedHistoryAsync(page, client, TimeSpan.FromMinutes(4), "a closed minute's throttled share on the history chart");

        // Each minute's share of its CFS periods in percent, as the history JSON's counts give it.
        var shares = history.Points.Select(p => (double)p.ThrottledPeriods / p.ThrottlePeriods * 100).ToList();
        output.WriteLine($"plotted {JsonSerializer.Serialize(plotted)}; history {string.Join(", ", history.Points.Select(p => $"{p.Minute:HH:mm} {p.ThrottledPeriods}/{p.ThrottlePeriods}"))}");
        Assert.All(history.Points, p => Assert.InRange(p.ThrottledPeriods, 1, p.ThrottlePeriods));
        var values = plotted.OfType<double>().ToList();
        Assert.InRange(values.Count, 1, shares.Count); // a minute may have closed since the page's fetch
        Assert.All(shares.Zip(values), x => Assert.Equal(x.First, x.Second, 0.001));
        Assert.All(values, v => Assert.InRange(v, 0, 100));
        Assert.Contains(values, v => v > 50); // a loop held at a tenth of a core is throttled in most periods
        await HeadlessChromium.ScreenshotAsync(page, "container-history-throttled.png");

        // Without a quota a container is never throttled and its minutes count no periods: gaps, not 0%.
        await page.GotoAsync(PageUrl(unlimited));
        var (gaps, unlimitedHistory) = await PlottedHistoryAsync(page, client, TimeSpan.FromMinutes(2), "the unlimited container's history");
        Assert.All(unlimitedHistory.Points, p => Assert.Equal((0L, 0L), (p.ThrottlePeriods, p.ThrottledPeriods)));
        Assert.NotEmpty(gaps);
        Assert.All(gaps, v => Assert.Null(v));
    }

    /// <summary>
    /// Waits for the history throttled chart to plot the container's closed minutes; returns its values (null: a gap)
    /// and the history JSON of the window the page asked for.
    /// </summary>
    private static async Task<(IReadOnlyList<double?> Plotted, ContainerHistory History)> PlottedHistoryAsync(
        IPage page, HttpClient client, TimeSpan wait, string what)
    {
        var view = page.Locator("[data-testid=container-view]");
        var card = page.Locator("[data-testid=history-chart-throttled]");
        List<double?> plotted = [];
        ContainerHistory? history = null;
        await Poll.UntilAsync(
            async () =>
            {
                var url = await view.GetAttributeAsync("data-history-url");
                var json = await card.GetAttributeAsync("data-values");
                if (url is null || json is null || url != await view.GetAttributeAsync("data-history-url"))
                {
                    return false; // not fetched yet, or refetching
                }

                plotted = JsonSerializer.Deserialize<List<double?>>(json) ?? [];
                history = await MonitorApp.GetJsonAsync<ContainerHistory>(client, url);
                return plotted.Count > 0 && history.Points.Count > 0;
            },
            wait,
            what,
            () => $"{card.GetAttributeAsync("data-values").GetAwaiter().GetResult()} from {view.GetAttributeAsync("data-history-url").GetAwaiter().GetResult()}");
        return (plotted, history!);
    }

    [Fact]
    public async Task Units_BlockWrites_ShowDecimalRatesWithTotalsAndBinaryMemory()
    {
        var id = await _containers.RunAsync(
            ["--name", LiveApi.UniqueName("units")], "sh", "-c", "while :; do dd if=/dev/zero of=/f bs=1M count=8 conv=fsync 2>/dev/null; sleep 0.2; done");
        var page = await OpenAsync();
        await page.GotoAsync(PageUrl(id));

        var blk = page.Locator("[data-testid=kpi-blk]");
        await Poll.UntilAsync(
            async () => DecimalRate().IsMatch(await blk.InnerTextAsync()),
            Wait,
            "a block write rate in kB/s or MB/s",
            () => blk.InnerTextAsync().GetAwaiter().GetResult());
        var total = await blk.Locator("xpath=..").Locator(".kpi-s").InnerTextAsync();
        output.WriteLine($"block '{await blk.InnerTextAsync()}', '{total}'");
        Assert.Matches("^total [0-9.]+(B|kB|MB|GB) / [0-9.]+(kB|MB|GB)$", total);
        Assert.Matches("^[0-9.]+(KiB|MiB) / no limit$", await page.Locator("[data-testid=kpi-mem]").InnerTextAsync());
        Assert.Equal("not measured", await page.Locator("[data-testid=kpi-net]").InnerTextAsync()); // --network none
        var axis = await page.Locator("[data-testid=live-chart-blk] .u-axis").Nth(1).InnerTextAsync();
        Assert.DoesNotContain("iB", axis, StringComparison.Ordinal);
        await HeadlessChromium.ScreenshotAsync(page, "container-units.png");
    }

    private async Task<IPage> OpenAsync()
    {
        var page = await _chromium!.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        return page;
    }

    private string PageUrl(string id) => $"{live.App.ServerAddress}#/containers/{id}";

    private static bool IsHistory(IRequest request) => request.Url.Contains("/history?", StringComparison.Ordinal);

    private static (DateTime From, DateTime To, string Step) HistoryQuery(IRequest request)
    {
        var query = HttpUtility.ParseQueryString(new Uri(request.Url).Query);
        static DateTime Parse(string? s) => DateTime.Parse(s ?? throw new InvalidOperationException("missing bound"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return (Parse(query["from"]), Parse(query["to"]), query["step"] ?? "");
    }

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static async Task<double> XSpanAsync(ILocator card)
    {
        var min = await card.GetAttributeAsync("data-x-min");
        var max = await card.GetAttributeAsync("data-x-max");
        return min is null || max is null ? 0 : double.Parse(max, CultureInfo.InvariantCulture) - double.Parse(min, CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<Marker>> MarkersAsync(ILocator card)
    {
        var json = await card.GetAttributeAsync("data-markers");
        return json is null ? [] : JsonSerializer.Deserialize<List<Marker>>(json, Json) ?? [];
    }

    private static double Percent(string text) =>
        double.TryParse(text.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : -1;

    [GeneratedRegex("^[0-9.]+(B|kB|MB)/s / [0-9.]+(kB|MB)/s$")]
    private static partial Regex DecimalRate();

    private sealed record Marker(string Action, double T, int? ExitCode, string? Signal, double X);
}
