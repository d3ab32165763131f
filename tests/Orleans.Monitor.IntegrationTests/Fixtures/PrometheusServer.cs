using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A real Prometheus (the Debian package) with its own configuration and data folder, scraping the given targets every
/// second, listening on 127.0.0.1 at a port that was free a moment ago (Prometheus cannot bind port 0 and report it).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, Uri address, string root)
    {
        _process = process;
        Address = address;
        Root = root;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public string Root { get; }

    public string LogPath => Path.Combine(Root, "prometheus.log");

    /// <summary>
    /// Starts Prometheus with one job per target (<c>job</c> = the key, target = host:port of the value) and waits until
    /// it is ready; a job named in <paramref name="bearerKeys"/> sends that key (<c>authorization: credentials_file</c>).
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(
        IReadOnlyDictionary<string, Uri> jobs, TimeSpan timeout, IReadOnlyDictionary<string, string>? bearerKeys = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var root = Path.Combine(Path.GetTempPath(), "omprom-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var config = Path.Combine(root, "prometheus.yml");
        string Authorization(string job)
        {
            if (bearerKeys?.GetValueOrDefault(job) is not { } key)
            {
                return "";
            }

            var file = Path.Combine(root, job + ".key");
            File.WriteAllText(file, key);
            return $"\n    authorization:\n      credentials_file: '{file}'";
        }

        var scrapeConfigs = string.Concat(jobs.Select(j => $"""
              - job_name: {j.Key}{Authorization(j.Key)}
                static_configs:
                  - targets: ['{j.Value.Authority}']

            """));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
            {scrapeConfigs}
            """);

        var port = MonitorProcess.FreePort();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(
            $"exec prometheus --config.file='{config}' --storage.tsdb.path='{Path.Combine(root, "data")}' " +
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} >>'{Path.Combine(root, "prometheus.log")}' 2>&1 </dev/null");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus (apt-get install -y prometheus).");
        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), root);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"prometheus exited with {process.ExitCode}: {server.LogTail()}");
                    }

                    try
                    {
                        using var ready = await server._client.GetAsync(new Uri("-/ready", UriKind.Relative));
                        return ready.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                timeout,
                "Prometheus to be ready",
                server.LogTail);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant PromQL query: the result vector (empty when nothing matches). Throws when Prometheus refuses the query.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var response = await _client.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode || body.GetProperty("status").GetString() != "success")
        {
            throw new HttpRequestException($"query {promql} -> {(int)response.StatusCode}: {body}");
        }

        return [.. body.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (
            (IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    public string LogTail()
    {
        if (!File.Exists(LogPath))
        {
            return "";
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(15));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _client.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // The folder is uniquely named under /tmp; a file still held must not fail the run.
        }
    }
}
