using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Metrics;

/// <summary>A real Prometheus scraping a real Api and a real silo watching a real engine.</summary>
[Collection(ScrapedMonitorCollection.Name)]
public sealed class PrometheusExpositionTests(ScrapedMonitor monitor, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly TestContainers _containers = new(monitor.Engine);
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _containers.RemoveAllAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Rate_HalfCpuBusyLoop_AgreesWithDockerStatsWithin5Points()
    {
        await _containers.RunAsync(["--name", "busy", "--cpus", "0.5"], "sh", "-c", "yes >/dev/null");
        const string Query = "rate(container_cpu_usage_seconds_total{name=\"busy\",job=\"api\"}[20s]) * 100";

        // rate() over 20 s needs 20 s of samples, and its window should not begin where the series begins: 28 of the
        // last 30 scrapes hold the busy container.
        await UntilAsync("count_over_time(container_cpu_usage_seconds_total{name=\"busy\",job=\"api\"}[30s]) >= 28", "30 s of the busy container's samples");
        var promql = Assert.Single(await monitor.Prometheus.QueryAsync(Query));
        var dockerStats = await DockerStatsCpuAsync("busy");
        var throttled = await monitor.Prometheus.QueryAsync("rate(container_cpu_cfs_throttled_periods_total{name=\"busy\",job=\"api\"}[20s])");

        output.WriteLine($"{Query} = {promql.Value:F2} (labels: {string.Join(", ", promql.Labels.Select(l => $"{l.Key}={l.Value}"))})");
        output.WriteLine($"docker stats --no-stream busy = {dockerStats:F2} %; throttled periods per second = {throttled.SingleOrDefault().Value:F2}");
        Assert.Equal(monitor.HostId, promql.Labels["host_id"]);
        Assert.InRange(promql.Value, 40, 60);
        Assert.InRange(Math.Abs(promql.Value - dockerStats), 0, 5);
        Assert.True(Assert.Single(throttled).Value > 0, "a --cpus 0.5 busy loop is throttled");
    }

    [Fact]
    public async Task SpecMemoryLimit_64mContainer_Is67108864()
    {
        var name = "mem-" + Guid.NewGuid().ToString("N")[..8];
        await _containers.RunAsync(["--name", name, "-m", "64m"], "sleep", "600");

        var limit = await UntilAsync($"container_spec_memory_limit_bytes{{name=\"{name}\",job=\"api\"}}", "the container's memory limit");

        output.WriteLine($"container_spec_memory_limit_bytes{{name=\"{name}\"}} = {limit[0].Value}");
        Assert.Equal(67_108_864, Assert.Single(limit).Value);
    }

    [Fact]
    public async Task Scrape_RemovedContainer_SeriesDisappear()
    {
        var name = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await UntilAsync($"container_last_seen{{name=\"{name}\"}}", "the container's series from the Api and the silo");
        var stopwatch = Stopwatch.StartNew();

        await monitor.Engine.RunAsync("rm", "-f", id);

        await Poll.UntilAsync(
            async () => (await monitor.Prometheus.QueryAsync($"{{name=\"{name}\"}}")).Count == 0,
            Deadline,
            "every series of the removed container to go stale in Prometheus");
        output.WriteLine($"series gone from Prometheus {stopwatch.Elapsed.TotalSeconds:F1} s after docker rm");
        Assert.DoesNotContain("/docker/" + id, await _client.GetStringAsync(new Uri(monitor.App.ServerAddress!, "metrics")), StringComparison.Ordinal);
        Assert.DoesNotContain("/docker/" + id, await _client.GetStringAsync(monitor.SiloMetrics), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolCheckMetrics_ApiAndSiloScrapes_Pass()
    {
        await _containers.RunAsync(["--name", "lint-" + Guid.NewGuid().ToString("N")[..8], "--label", "com.docker.compose.project=shop", "--cpus", "0.2", "-m", "32m"], "sleep", "600");
        await UntilAsync("container_last_seen{container_label_com_docker_compose_project=\"shop\",job=\"silo\"}", "the labelled container on the silo");

        foreach (var target in new[] { new Uri(monitor.App.ServerAddress!, "metrics"), monitor.SiloMetrics })
        {
            var body = await _client.GetStringAsync(target);
            var (exitCode, lint) = await PromtoolAsync(body);
            var names = body.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
            output.WriteLine($"{target}: {body.Length} bytes, {names.Count} families; promtool exit {exitCode} {lint}");
            output.WriteLine("  own: " + string.Join(' ', names.Where(n => n.StartsWith("orleans_monitor_", StringComparison.Ordinal))));
            Assert.True(exitCode == 0, $"promtool check metrics on {target}: {lint}");
            Assert.Contains(names, n => n == "container_cpu_usage_seconds_total");
            Assert.Contains(names, n => n.StartsWith("orleans_monitor_", StringComparison.Ordinal) && !n.StartsWith("orleans_monitor_host_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Metrics_OpenMetricsAccepted_AnswersOpenMetrics()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(monitor.App.ServerAddress!, "metrics"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));

        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloMetrics_MetricsEnabled_ServesItsOwnHostsSeries()
    {
        var name = "own-" + Guid.NewGuid().ToString("N")[..8];
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");

        var series = await UntilAsync($"container_cpu_usage_seconds_total{{name=\"{name}\",job=\"silo\"}}", "the container on the silo's own endpoint");
        var up = Assert.Single(await monitor.Prometheus.QueryAsync("up{job=\"silo\"}"));

        var labels = Assert.Single(series).Labels;
        output.WriteLine($"silo series: {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))}");
        Assert.Equal(("/docker/" + id, monitor.HostId, "total", "busybox:local"), (labels["id"], labels["host_id"], labels["cpu"], labels["image"]));
        Assert.Equal(1, up.Value);
    }

    private async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> UntilAsync(string promql, string what)
    {
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> result = [];
        await Poll.UntilAsync(async () => (result = await monitor.Prometheus.QueryAsync(promql)).Count > 0, Deadline, what + $" ({promql})", monitor.Prometheus.LogTail);
        return result;
    }

    private async Task<double> DockerStatsCpuAsync(string container)
    {
        var text = (await monitor.Engine.RunAsync("stats", "--no-stream", "--format", "{{.CPUPerc}}", container)).Trim().TrimEnd('%');
        return double.Parse(text, CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(string scrape)
    {
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start) ?? throw new InvalidOperationException("promtool is not installed (apt-get install -y prometheus).");
        var stdout = promtool.StandardOutput.ReadToEndAsync();
        var stderr = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(scrape);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync();
        return (promtool.ExitCode, (await stdout + await stderr).Trim());
    }
}
