using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A real Alertmanager (the Debian package <c>prometheus-alertmanager</c>) with its own configuration and storage
/// folder, alone (no cluster peers), listening on 127.0.0.1 at a port that was free a moment ago.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _client;

    private AlertmanagerServer(Process process, Uri address, string root)
    {
        _process = process;
        Address = address;
        Root = root;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public string Root { get; }

    public string LogPath => Path.Combine(Root, "alertmanager.log");

    public static async Task<AlertmanagerServer> StartAsync(TimeSpan timeout)
    {
        var root = Path.Combine(Path.GetTempPath(), "omam-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var config = Path.Combine(root, "alertmanager.yml");
        await File.WriteAllTextAsync(config, """
            route:
              receiver: nobody
              group_wait: 1s
            receivers:
              - name: nobody
            """);

        var port = MonitorProcess.FreePort();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(
            $"exec prometheus-alertmanager --config.file='{config}' --storage.path='{Path.Combine(root, "data")}' " +
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} --cluster.listen-address= " +
            $">>'{Path.Combine(root, "alertmanager.log")}' 2>&1 </dev/null");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus-alertmanager (apt-get install -y prometheus-alertmanager).");
        var server = new AlertmanagerServer(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), root);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"alertmanager exited with {process.ExitCode}: {server.LogTail()}");
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
                "Alertmanager to be ready",
                server.LogTail);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The alerts Alertmanager holds as active (not resolved), from <c>GET /api/v2/alerts</c>.</summary>
    public async Task<JsonElement[]> GetAlertsAsync()
    {
        using var response = await _client.GetAsync(new Uri("api/v2/alerts", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET /api/v2/alerts -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement[]>())!;
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
