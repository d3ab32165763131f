using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Orleans.Monitor.Api.Rest;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// Calls REST endpoints of the Apis over and over in the background while a test disturbs the cluster, and keeps every
/// answer that was not a 200 (or no answer within the client's 10 s timeout), plus the slowest answer.
/// </summary>
public sealed class RestProbe : IAsyncDisposable
{
    private readonly IReadOnlyList<(ApiInstance Api, string Path)> _targets;
    private readonly Func<ApiInstance, string, HttpResponseMessage, Task<string?>> _check;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private readonly Lock _gate = new();
    private readonly Task _loop;
    private TimeSpan _slowest;

    /// <param name="check">Looks at a 200 answer; returns what is wrong with it, or null.</param>
    public RestProbe(IReadOnlyList<(ApiInstance Api, string Path)> targets, Func<ApiInstance, string, HttpResponseMessage, Task<string?>>? check = null)
    {
        _targets = targets;
        _check = check ?? ((_, _, _) => Task.FromResult<string?>(null));
        _loop = RunAsync();
    }

    public int Calls { get; private set; }

    public TimeSpan Slowest => _slowest;

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>A check that the host answers with status <paramref name="status"/>.</summary>
    public static Func<ApiInstance, string, HttpResponseMessage, Task<string?>> HostStatusIs(string status) => HostStatus(s => s == status);

    /// <summary>A check that the host does not answer with status <paramref name="status"/>.</summary>
    public static Func<ApiInstance, string, HttpResponseMessage, Task<string?>> HostStatusIsNot(string status) => HostStatus(s => s != status);

    private static Func<ApiInstance, string, HttpResponseMessage, Task<string?>> HostStatus(Func<string?, bool> acceptable) =>
        async (_, path, response) =>
        {
            if (!path.StartsWith("/api/hosts/", StringComparison.Ordinal))
            {
                return null;
            }

            var host = await response.Content.ReadFromJsonAsync<HostSummary>(ClusterFixture.Json);
            return acceptable(host?.Status) ? null : $"status {host?.Status} ({host?.Error})";
        };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (api, path) in _targets)
            {
                var watch = Stopwatch.StartNew();
                string? failure;
                try
                {
                    using var response = await api.Http.GetAsync(new Uri(path, UriKind.Relative));
                    failure = response.StatusCode == HttpStatusCode.OK
                        ? await _check(api, path, response)
                        : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failure = ex.Message;
                }

                var elapsed = watch.Elapsed;
                lock (_gate)
                {
                    Calls++;
                    _slowest = elapsed > _slowest ? elapsed : _slowest;
                    if (failure is not null)
                    {
                        _failures.Add($"{DateTime.UtcNow:HH:mm:ss.f} {api.Process.Name} GET {path}: {failure}");
                    }
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
