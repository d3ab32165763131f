using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// A whole cluster of real processes on 127.0.0.1: PostgreSQL, three private dockerd engines each with an idle and a
/// CPU-limited busy container, one silo process per engine (default membership timings) and two Api processes.
/// Started once for the collection so minute aggregates accumulate while the tests run; every process's output
/// goes to files under <see cref="LogDirectory"/>.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int HostCount = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    private readonly List<ClusterHost> _hosts = [];
    private readonly List<ApiInstance> _apis = [];
    private bool _disposed;

    public ClusterFixture()
    {
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "cluster-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    public PostgresServer Postgres { get; } = new();

    public string LogDirectory { get; }

    /// <summary>When the silos were started; minute aggregates exist from the minute after.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    public IReadOnlyList<ClusterHost> Hosts => _hosts;

    public IReadOnlyList<ApiInstance> Apis => _apis;

    public async Task InitializeAsync()
    {
        try
        {
            var engines = Enumerable.Range(0, HostCount).Select(_ => new DockerEngine()).ToList();
            await Task.WhenAll([Postgres.InitializeAsync(), .. engines.Select(e => ((IAsyncLifetime)e).InitializeAsync())]);
            for (var i = 0; i < HostCount; i++)
            {
                _hosts.Add(new ClusterHost(i + 1, engines[i]));
            }

            await Task.WhenAll(_hosts.Select(h => h.CreateContainersAsync()));
            StartedAt = DateTimeOffset.UtcNow;
            foreach (var host in _hosts)
            {
                StartSilo(host);
            }

            for (var i = 0; i < 2; i++)
            {
                var port = MonitorProcess.FreePort();
                var process = MonitorProcess.Start("Api", "Orleans.Monitor.Api", $"api-{i + 1}", LogDirectory, new Dictionary<string, string>
                {
                    ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                });
                _apis.Add(new ApiInstance(process, new Uri($"http://127.0.0.1:{port}")));
            }

            await Poll.UntilAsync(AllHostsUpEverywhereAsync, StartDeadline, "every Api to show the three hosts up with samples");
        }
        catch (Exception ex)
        {
            var tails = string.Join('\n', AllProcesses().Select(p => p.Tail()));
            await DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{tails}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Processes first (they hold connections to the database and sockets of the engines), always all of them.
        await Task.WhenAll(AllProcesses().Select(p => p.DisposeAsync().AsTask()));
        foreach (var api in _apis)
        {
            api.Http.Dispose();
        }

        await Task.WhenAll(_hosts.Select(h => ((IAsyncLifetime)h.Engine).DisposeAsync()));
        await Postgres.DisposeAsync();
    }

    /// <summary>Starts (or restarts) the silo process of <paramref name="host"/> on its port.</summary>
    public MonitorProcess StartSilo(ClusterHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Silo = MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", host.SiloId, LogDirectory, new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = host.Engine.DockerHost,
            ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
            ["ASPNETCORE_URLS"] = host.SiloUrl,
            ["Membership__SiloId"] = host.SiloId,
        });
        host.SiloStarts.Add(host.Silo);
        return host.Silo;
    }

    /// <summary>Every silo process ever started here, and the Apis.</summary>
    public IEnumerable<MonitorProcess> AllProcesses() => _hosts.SelectMany(h => h.SiloStarts).Concat(_apis.Select(a => a.Process));

    public static async Task<IReadOnlyList<HostSummary>> GetHostsAsync(ApiInstance api) =>
        (await api.Http.GetFromJsonAsync<HostSummary[]>(new Uri("/api/hosts", UriKind.Relative), Json))!;

    public static async Task<ClusterView> GetClusterAsync(ApiInstance api) =>
        (await api.Http.GetFromJsonAsync<ClusterView>(new Uri("/api/cluster", UriKind.Relative), Json))!;

    public static async Task<IReadOnlyList<ContainerLive>> GetContainersAsync(ApiInstance api) =>
        (await api.Http.GetFromJsonAsync<ContainerLive[]>(new Uri("/api/containers", UriKind.Relative), Json))!;

    public static async Task<ContainerHistory> GetHistoryAsync(ApiInstance api, string containerId, DateTimeOffset from, DateTimeOffset to)
    {
        var url = $"/api/containers/{containerId}/history?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}"
            + $"&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}&step=1m";
        return (await api.Http.GetFromJsonAsync<ContainerHistory>(new Uri(url, UriKind.Relative), Json))!;
    }

    /// <summary>Opens the Api's <c>WatchAll</c> stream over a real WebSocket.</summary>
    public static Task<HubStream<HostFrame>> WatchAllAsync(ApiInstance api, CancellationToken cancellationToken = default) =>
        HubStream.OpenAsync<HostFrame>(new Uri(api.BaseAddress, "/hubs/live"), "WatchAll", [], cancellationToken);

    /// <summary>Reads minute aggregates straight from PostgreSQL: (container, minute, sample count), ordered.</summary>
    public async Task<IReadOnlyList<StoredMinute>> ReadMinutesAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT container_id, host_id, minute, sample_count FROM minute_aggregates ORDER BY container_id, minute;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<StoredMinute>();
        while (await reader.ReadAsync())
        {
            rows.Add(new StoredMinute(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3)));
        }

        return rows;
    }

    /// <summary>Diagnostics for an assertion message: every process's last output lines.</summary>
    public string Diagnostics() => $"Logs in {LogDirectory}\n" + string.Join('\n', AllProcesses().Select(p => p.Tail(15)));

    private async Task<bool> AllHostsUpEverywhereAsync()
    {
        foreach (var api in _apis)
        {
            if (api.Process.HasExited)
            {
                throw new InvalidOperationException($"{api.Process.Name} exited.");
            }

            var hosts = await GetHostsAsync(api);
            foreach (var host in _hosts)
            {
                if (host.Silo!.HasExited)
                {
                    throw new InvalidOperationException($"{host.Silo.Name} exited.");
                }

                if (hosts.FirstOrDefault(h => h.HostId == host.HostId) is not { Status: "up", ContainersRunning: 2 })
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>One simulated Docker host: its engine, its own containers and the silo process that watches it.</summary>
public sealed class ClusterHost(int number, DockerEngine engine)
{
    public int Number { get; } = number;

    public DockerEngine Engine { get; } = engine;

    /// <summary>The daemon ID from <c>/info</c>: the host's identity in the cluster.</summary>
    public string HostId { get; private set; } = "";

    public string SiloId => $"silo-{Number}";

    public string SiloUrl { get; } = $"http://127.0.0.1:{MonitorProcess.FreePort()}";

    /// <summary>The current silo process.</summary>
    public MonitorProcess? Silo { get; set; }

    /// <summary>Every silo process started for this host (restarts included), so all are cleaned up.</summary>
    public List<MonitorProcess> SiloStarts { get; } = [];

    /// <summary>Container ids by name, including ones tests start later.</summary>
    public Dictionary<string, string> Containers { get; } = new(StringComparer.Ordinal);

    public string IdleName => $"idle-{Number}";

    public string BusyName => $"busy-{Number}";

    public async Task CreateContainersAsync()
    {
        HostId = (await Engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        Containers[IdleName] = await Engine.RunContainerAsync(["--name", IdleName], "sleep", "100000");
        Containers[BusyName] = await Engine.RunContainerAsync(["--name", BusyName, "--cpus", "0.2"], "sh", "-c", "yes >/dev/null");
    }
}

/// <summary>An Api process and a client for its REST endpoints.</summary>
public sealed class ApiInstance(MonitorProcess process, Uri baseAddress)
{
    public MonitorProcess Process { get; } = process;

    public Uri BaseAddress { get; } = baseAddress;

    public HttpClient Http { get; } = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
}

/// <summary>One row of <c>minute_aggregates</c>.</summary>
public sealed record StoredMinute(string ContainerId, string HostId, DateTimeOffset Minute, int SampleCount);

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
