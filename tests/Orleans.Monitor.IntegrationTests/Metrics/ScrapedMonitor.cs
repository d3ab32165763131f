using System.Globalization;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Metrics;

/// <summary>
/// A private dockerd watched twice: by the Api on Kestrel (standalone, its <c>/metrics</c> covering every host) and by a
/// dedicated Silo process (localhost clustering and SQLite, so no Redis or PostgreSQL, but the silo's own hosting code
/// path) started with <c>Metrics:Enabled=true</c>; a real Prometheus scrapes both every second.
/// </summary>
public sealed class ScrapedMonitor : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    private readonly DockerEngine _engine = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "omscr-" + Guid.NewGuid().ToString("N")[..10]);
    private MonitorApp? _app;
    private MonitorProcess? _silo;
    private PrometheusServer? _prometheus;

    public DockerEngine Engine => _engine;

    public MonitorApp App => _app ?? throw new InvalidOperationException("Not started.");

    public MonitorProcess Silo => _silo ?? throw new InvalidOperationException("Not started.");

    public PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("Not started.");

    /// <summary>The silo's <c>/metrics</c> (<c>Metrics:Port</c>).</summary>
    public Uri SiloMetrics { get; private set; } = null!;

    public string HostId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_engine).InitializeAsync();
        HostId = (await _engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        _app = new MonitorApp(_engine.DockerHost, kestrel: true);
        await _app.StartAsync();
        using (var client = _app.CreateApiClient())
        {
            await Eventually.GetJsonAsync<HostSummary[]>(
                client, "/api/hosts", hosts => hosts.Any(h => h.HostId == HostId && h.Status == HostStatus.Up), StartDeadline, "the engine's host up on the Api");
        }

        // Metrics:Port must be 1-65535 (a silo's scrape port is configured, not discovered): a port free a moment ago.
        var metricsPort = MonitorProcess.FreePort();
        SiloMetrics = new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics");
        _silo = MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", "silo-metrics", Path.Combine(_root, "logs"), new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = _engine.DockerHost,
            ["Storage__DataPath"] = Path.Combine(_root, "data"),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Orleans cannot bind port 0 and report it back: ports that were free a moment ago.
            ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Metrics__Enabled"] = "true",
            ["Metrics__Port"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        });
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            string? last = null;
            await Poll.UntilAsync(
                async () =>
                {
                    if (_silo.HasExited)
                    {
                        throw new InvalidOperationException($"The silo exited.\n{_silo.Tail()}");
                    }

                    try
                    {
                        last = await client.GetStringAsync(SiloMetrics);
                    }
                    catch (HttpRequestException ex)
                    {
                        last = ex.Message;
                        return false;
                    }

                    return last.Contains($"orleans_monitor_host_up{{host=\"", StringComparison.Ordinal) && last.Contains($"host_id=\"{HostId}\"}} 1", StringComparison.Ordinal);
                },
                StartDeadline,
                "the silo's own /metrics with its host up",
                () => last?[..Math.Min(last.Length, 500)] + "\n" + _silo.Tail(10));
        }

        _prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, Uri> { ["api"] = _app.ServerAddress!, ["silo"] = SiloMetrics },
            StartDeadline);
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.StopAsync(TimeSpan.FromSeconds(20));
            await _silo.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await ((IAsyncLifetime)_engine).DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Uniquely named under /tmp.
        }
    }

    /// <summary>xunit disposes asynchronously; this only covers a fixture that failed to start.</summary>
    public void Dispose() => _app?.Dispose();
}

/// <summary>Tests that share <see cref="ScrapedMonitor"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ScrapedMonitorCollection : ICollectionFixture<ScrapedMonitor>
{
    public const string Name = "scraped-monitor";
}
