using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Browser;

/// <summary>
/// The service page in headless Chromium against the cluster-mode Api of a real two-node Swarm (a silo on each node):
/// one Swarm service's tasks on both engines, side by side. The Api requires keys, so the page asks for one and the
/// test answers with the tests' key. Shares the swarm with the other Swarm tests, so the cluster starts once.
/// </summary>
[Collection(SwarmCollection.Name)]
public sealed class ServicePageSwarmTests(SwarmCluster swarm, ITestOutputHelper output) : IAsyncLifetime
{
    private const float Timeout = 60_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private HeadlessChromium? _chromium;
    private string _cards = "-";

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
    }

    [Fact]
    public async Task ServicePage_SwarmServiceOnTwoNodes_ShowsOneHostCardPerNodeWithItsTask()
    {
        var service = "spread-" + Guid.NewGuid().ToString("N")[..6];
        // Two replicas, at most one per node: the scheduler has to put one task on each engine. Each task burns its
        // 0.1-core limit, so every member has a CPU figure of its own to add up.
        await swarm.Manager.RunAsync(
        [
            "service", "create", "--detach", "--no-resolve-image", "--name", service,
            "--replicas", "2", "--replicas-max-per-node", "1", "--limit-cpu", "0.1",
            DockerEngine.BusyboxImage, "sh", "-c", "while :; do :; done",
        ], CancellationToken.None);
        try
        {
            // What each engine runs, from its own Engine API: one running task container per node.
            var perNode = await Eventually.MatchAsync(
                () => RunningTasksPerNodeAsync(service),
                n => n.All(ids => ids.Length == 1),
                Deadline,
                $"one running task of {service} on each node");
            output.WriteLine($"tasks: {string.Join(", ", swarm.HostIds.Zip(perNode, (host, ids) => $"{host[..12]} -> {ids[0][..12]}"))}");

            var detailPath = $"/api/services/swarm/{service}";
            var detailAnswered = false;
            var page = await OpenAsync(
                $"#/services/swarm/{Uri.EscapeDataString(service)}",
                p => p.Response += (_, response) => detailAnswered |= response.Status == 200 && new Uri(response.Url).AbsolutePath == detailPath);

            var view = page.Locator($"[data-testid=service-view][data-kind=swarm][data-name='{service}']");
            await view.WaitForAsync();
            var cards = page.Locator("[data-testid=service-host]");
            await Poll.UntilAsync(
                async () =>
                {
                    await CaptureCardsAsync(page);
                    var byHost = await MemberIdsByHostAsync(page);
                    return await cards.CountAsync() == 2
                        && swarm.HostIds.Zip(perNode).All(p => byHost.TryGetValue(p.First, out var ids) && ids.SequenceEqual(p.Second));
                },
                Deadline,
                "one host card per node, each holding that node's task container",
                () => _cards);
            await Poll.UntilAsync(
                async () => await CaptureCardsAsync(page) && await page.Locator("[data-testid=service-count]").InnerTextAsync() == "2 / 2",
                Deadline,
                "2 of 2 tasks running",
                () => _cards);

            foreach (var (hostId, ids) in swarm.HostIds.Zip(perNode))
            {
                var card = page.Locator($"[data-testid=service-host][data-host-id='{hostId}']");
                Assert.Equal("up", await card.GetAttributeAsync("data-status"));
                var member = card.Locator($"[data-testid=service-member][data-container-id='{ids[0]}']");
                Assert.StartsWith("running", await member.Locator("td.state").InnerTextAsync(), StringComparison.Ordinal);
                Assert.Equal($"#/containers/{ids[0]}", await member.Locator("td.name a").GetAttributeAsync("href"));
                await Poll.UntilAsync(
                    async () => await CaptureCardsAsync(page)
                        && (await card.Locator("[data-testid=service-host-freshness]").InnerTextAsync()).EndsWith("1 / 1 running", StringComparison.Ordinal),
                    Deadline,
                    $"host {hostId[..12]} to say live with 1 / 1 running",
                    () => _cards);
            }

            // Complete once the Api's answer is in: both hosts report, nothing is left out of the sums.
            await Poll.UntilAsync(() => detailAnswered, Deadline, $"GET {detailPath} to answer 200");
            await Poll.UntilAsync(
                async () => await CaptureCardsAsync(page)
                    && (await page.Locator("[data-testid=service-view] .c-titlerow").InnerTextAsync()).Contains("2 containers on 2 hosts", StringComparison.Ordinal),
                Deadline,
                "the title to count 2 containers on 2 hosts",
                () => _cards);
            Assert.Equal("false", await view.GetAttributeAsync("data-incomplete"));
            Assert.True(await page.Locator("[data-testid=service-incomplete]").IsHiddenAsync());

            // Both engines run on this machine under one host name: each card names its host apart.
            var hosts = await swarm.GetAsync<JsonElement>("/api/hosts");
            var names = hosts.EnumerateArray().ToDictionary(h => h.GetProperty("hostId").GetString()!, h => h.GetProperty("host").GetProperty("name").GetString()!, StringComparer.Ordinal);
            var heads = new List<string>();
            foreach (var hostId in swarm.HostIds)
            {
                var head = await page.Locator($"[data-testid=service-host][data-host-id='{hostId}'] .svc-host-name").InnerTextAsync();
                Assert.StartsWith(names[hostId], head, StringComparison.Ordinal);
                if (names.Values.Count(n => n == names[hostId]) > 1)
                {
                    Assert.Equal($"{names[hostId]} · {hostId[..8]}", head);
                }

                heads.Add(head);
            }

            Assert.Equal(heads.Count, heads.Distinct(StringComparer.Ordinal).Count());

            // Live from both engines at once: every member shows its task's CPU, and CPU Σ is their sum, read from
            // the same render.
            Totals? totals = null;
            await Poll.UntilAsync(
                async () =>
                {
                    await CaptureCardsAsync(page);
                    totals = await TotalsAsync(page);
                    return totals.MemberCpu.Length == 2 && totals.MemberCpu.All(v => v is > 1);
                },
                Deadline,
                "each task's CPU to show on its host card",
                () => _cards);
            // Each figure is rounded to 2 decimals on screen, so the shown parts may miss the shown sum by 0.01.
            var parts = totals!.MemberCpu.Sum(v => v!.Value);
            Assert.True(Math.Abs(parts - totals.CpuSum) <= 0.0101, $"CPU Σ {totals.CpuSum} is not the sum of its members {string.Join(" + ", totals.MemberCpu)}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU Σ {totals.CpuSum}% = {string.Join(" + ", totals.MemberCpu)}"));

            await ShotAsync(page, "service-two-hosts.png");
            await CaptureCardsAsync(page);
            output.WriteLine(_cards);

            // The cluster overview grouped by Swarm service: both hosts up, the service one row over both of them.
            await page.GotoAsync(new Uri(swarm.Api.BaseAddress!, "/#/?group=swarm").ToString());
            var hostRows = page.Locator("[data-testid=host-row][data-status=up]");
            var group = page.Locator($"[data-testid=group-row][data-group='swarm:{service}']");
            var overview = "-";
            await Poll.UntilAsync(
                async () =>
                {
                    overview = string.Join(" | ", await page.Locator("[data-testid=host-row], [data-testid=group-row]").AllInnerTextsAsync());
                    return await hostRows.CountAsync() == 2
                        && await group.CountAsync() == 1
                        && await group.Locator("td.host").InnerTextAsync() == "2 hosts"
                        && (await group.Locator("td.state").InnerTextAsync()).StartsWith("2/2 running", StringComparison.Ordinal);
                },
                Deadline,
                $"two hosts up and {service} grouped as 2/2 running on 2 hosts",
                () => overview);
            output.WriteLine("overview: " + overview.ReplaceLineEndings(" "));
            await ShotAsync(page, "cluster-overview.png");
        }
        finally
        {
            await swarm.Manager.RunAsync("service", "rm", service);
        }
    }

    private async Task<IPage> OpenAsync(string hash, Action<IPage> configure)
    {
        var page = await _chromium!.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        configure(page);
        // The cluster-mode Api answers 401 without a key: the page asks once, as an operator would be asked.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(Cluster.ClusterFixture.ApiKey);
        await page.GotoAsync(new Uri(swarm.Api.BaseAddress!, "/" + hash).ToString());
        await page.Locator("[data-testid=connection-state][data-state=connected]").WaitForAsync();
        return page;
    }

    /// <summary>The running task containers of the service on each node, in <see cref="SwarmCluster.Nodes"/> order, from each engine's API.</summary>
    private async Task<string[][]> RunningTasksPerNodeAsync(string service) =>
        await Task.WhenAll(swarm.Nodes.Select(async node =>
        {
            using var http = node.CreateApiClient(TimeSpan.FromSeconds(10));
            var filters = Uri.EscapeDataString($$"""{"label":["com.docker.swarm.service.name={{service}}"],"status":["running"]}""");
            using var response = await http.GetAsync(new Uri("/containers/json?filters=" + filters, UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"GET /containers/json -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            var list = await response.Content.ReadFromJsonAsync<JsonElement>();
            return list.EnumerateArray().Select(c => c.GetProperty("Id").GetString()!).ToArray();
        }));

    /// <summary>The container IDs in each host card of the page, by the card's host ID.</summary>
    private static async Task<Dictionary<string, string[]>> MemberIdsByHostAsync(IPage page)
    {
        var cards = await page.EvaluateAsync<JsonElement>("""
            () => [...document.querySelectorAll('[data-testid=service-host]')].map((c) =>
              ({ hostId: c.dataset.hostId, ids: [...c.querySelectorAll('[data-testid=service-member]')].map((m) => m.dataset.containerId) }))
            """);
        return cards.EnumerateArray().ToDictionary(
            c => c.GetProperty("hostId").GetString()!,
            c => c.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>CPU % of every member row (null for "–") and the CPU Σ figure, read in one script so both come from one render.</summary>
    private static async Task<Totals> TotalsAsync(IPage page)
    {
        var read = await page.EvaluateAsync<JsonElement>("""
            () => ({
              members: [...document.querySelectorAll('[data-testid=service-member] td.num:nth-child(3)')].map((td) => td.textContent),
              sum: document.querySelector('[data-testid=service-cpu]').textContent,
            })
            """);
        static double? Percent(string? text) =>
            text is not null && text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new Totals(
            read.GetProperty("members").EnumerateArray().Select(m => Percent(m.GetString())).ToArray(),
            Percent(read.GetProperty("sum").GetString()) ?? double.NaN);
    }

    private sealed record Totals(double?[] MemberCpu, double CpuSum);

    /// <summary>Keeps each host card's text for failure messages and the test output; always true, to chain in a condition.</summary>
    private async Task<bool> CaptureCardsAsync(IPage page)
    {
        var texts = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('[data-testid=service-host]')].map((c) => c.dataset.hostId.slice(0, 12) + ': ' + c.innerText.replace(/\\s+/g, ' '))");
        _cards = string.Join('\n', texts.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"card {i + 1}: {t}")));
        return true;
    }

    private async Task ShotAsync(IPage page, string name) =>
        output.WriteLine("screenshot " + await HeadlessChromium.ScreenshotAsync(page, name));
}
