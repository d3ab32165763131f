using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using StackExchange.Redis;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// A whole cluster of real processes on 127.0.0.1: a private PostgreSQL and redis-server, three private dockerd engines
/// with two idle containers each, one silo process per engine (Orleans membership in Redis, the shipped membership
/// options) and two Api processes. Started once for the collection; every process's output goes to files under
/// <see cref="LogDirectory"/> and into a failing test's output.
/// </summary>
public sealed partial class ClusterFixture : IAsyncLifetime
{
    public const int HostCount = 3;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly List<ClusterHost> _hosts = [];
    private readonly List<ApiInstance> _apis = [];
    private readonly List<MonitorProcess> _others = [];
    private ConnectionMultiplexer? _redisClient;
    private bool _disposed;

    public ClusterFixture()
    {
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "cluster-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    /// <summary>Unique per run, so nothing of an earlier run's membership is ever read.</summary>
    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public string LogDirectory { get; }

    public IReadOnlyList<ClusterHost> Hosts => _hosts;

    /// <summary>The two Apis started with the cluster.</summary>
    public IReadOnlyList<ApiInstance> Apis => _apis;

    /// <summary>Records every write of a minute row (see <see cref="MinuteAudit"/>).</summary>
    public MinuteAudit Minutes { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            var engines = Enumerable.Range(0, HostCount).Select(_ => new DockerEngine()).ToList();
            for (var i = 0; i < HostCount; i++)
            {
                _hosts.Add(new ClusterHost(i + 1, engines[i]));
            }

            await Task.WhenAll([Postgres.InitializeAsync(), Redis.InitializeAsync(), .. engines.Select(e => ((IAsyncLifetime)e).InitializeAsync())]);
            await Task.WhenAll(_hosts.Select(h => h.CreateContainersAsync()));
            foreach (var host in _hosts)
            {
                StartSilo(host);
            }

            _apis.Add(await StartApiAsync("api-1"));
            _apis.Add(await StartApiAsync("api-2"));
            foreach (var api in _apis)
            {
                await WaitAllHostsUpAsync(api, StartDeadline);
            }

            foreach (var host in _hosts)
            {
                host.UpSince = DateTimeOffset.UtcNow;
            }

            Minutes = await MinuteAudit.InstallAsync(Postgres.ConnectionString, StartDeadline);
        }
        catch (Exception ex)
        {
            var diagnostics = Diagnostics();
            await DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{diagnostics}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Processes first (they hold connections to the database, Redis and the engines' sockets), always all of them.
        await Task.WhenAll(AllProcesses().Select(p => p.DisposeAsync().AsTask()));
        foreach (var api in _apis)
        {
            api.Http.Dispose();
        }

        if (_redisClient is not null)
        {
            await _redisClient.DisposeAsync();
        }

        await Task.WhenAll(_hosts.Select(h => ((IAsyncLifetime)h.Engine).DisposeAsync()));
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    /// <summary>The settings a silo of this cluster gets; <paramref name="overrides"/> replace or add some.</summary>
    public Dictionary<string, string> SiloSettings(ClusterHost host, IReadOnlyDictionary<string, string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var settings = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = host.Engine.DockerHost,
            ["ConnectionStrings__Redis"] = Redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__Endpoints__SiloPort"] = host.SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = host.GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Containers must reach the cluster view by Docker events alone, not by the periodic re-listing.
            ["Host__ReconcileInterval"] = "00:10:00",
            // After a PostgreSQL outage the writer's next retry comes within seconds rather than the default 30 s cap.
            ["Storage__Writer__RetryMaxDelay"] = "00:00:05",
            // Each silo's spool in a folder of this run: never one shared with the other silos or left by an earlier run.
            ["Storage__DataPath"] = Path.Combine(LogDirectory, $"data-{host.Number}"),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts (or restarts, on the same ports as a supervisor would) the silo process of <paramref name="host"/>.</summary>
    public MonitorProcess StartSilo(ClusterHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Silo = MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", $"silo-{host.Number}", LogDirectory, SiloSettings(host));
        host.SiloStarts.Add(host.Silo);
        return host.Silo;
    }

    /// <summary>Starts any other process of the test (kept for diagnostics and killed at the end).</summary>
    public MonitorProcess StartProcess(string project, string name, IReadOnlyDictionary<string, string> settings)
    {
        var process = MonitorProcess.Start(project, $"Orleans.Monitor.{project}", name, LogDirectory, settings);
        _others.Add(process);
        return process;
    }

    /// <summary>The operator key every Api of the tests accepts (<see cref="ApiKeySettings"/>); <see cref="ApiInstance"/> sends it.</summary>
    public const string ApiKey = "cluster-tests-operator-key";

    /// <summary><c>Auth:ApiKeys</c> as environment variables: a cluster Api refuses to start without a key.</summary>
    public static Dictionary<string, string> ApiKeySettings() => new()
    {
        ["Auth__ApiKeys__0__Name"] = "tests",
        ["Auth__ApiKeys__0__Role"] = "operator",
        ["Auth__ApiKeys__0__Sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ApiKey))),
    };

    /// <summary>Starts an Api in cluster mode on a port of its own choosing (port 0, read back from its log).</summary>
    public async Task<ApiInstance> StartApiAsync(string name)
    {
        var process = StartProcess("Api", name, new Dictionary<string, string>(ApiKeySettings())
        {
            ["ConnectionStrings__Redis"] = Redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        });
        Uri? address = null;
        await UntilAsync(
            () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited with {process.ExitCode}.");
                }

                var match = ListeningOn().Match(process.ReadStdout());
                address = match.Success ? new Uri(match.Groups[1].Value) : null;
                return Task.FromResult(address is not null);
            },
            TimeSpan.FromSeconds(60),
            $"{name} to log the address it listens on",
            () => "no 'Now listening on' line");
        return new ApiInstance(process, address!);
    }

    /// <summary>Every silo and Api process started here.</summary>
    public IEnumerable<MonitorProcess> AllProcesses() => _hosts.SelectMany(h => h.SiloStarts).Concat(_others);

    /// <summary>Every process's last output lines, for a failure message.</summary>
    public string Diagnostics(int lines = 25) =>
        $"Cluster {ClusterId}, logs in {LogDirectory}\n" + string.Join('\n', AllProcesses().Select(p => p.Tail(lines)));

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds. Only false ("not yet") is retried: an exception fails at once.
    /// The timeout message carries what was seen last and every process's output.
    /// </summary>
    public async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string?>? describeLast = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}. Last seen: {describeLast?.Invoke() ?? "-"}\n{Diagnostics()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public async Task WaitAllHostsUpAsync(ApiInstance api, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(api);
        IReadOnlyList<HostSummary> last = [];
        await UntilAsync(
            async () =>
            {
                last = await GetHostsAsync(api);
                return _hosts.All(h => last.Count(s => s.HostId == h.HostId) == 1 && last.Single(s => s.HostId == h.HostId).Status == HostStatus.Up);
            },
            timeout,
            $"{api.Process.Name} to show every host up",
            () => Describe(last));
    }

    /// <summary>GET that must answer 200 (anything else fails the caller at once) and parse as JSON.</summary>
    public static async Task<T> GetAsync<T>(ApiInstance api, string path)
    {
        ArgumentNullException.ThrowIfNull(api);
        if (api.Process.HasExited)
        {
            throw new InvalidOperationException($"{api.Process.Name} exited with {api.Process.ExitCode}.");
        }

        using var response = await api.Http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException(
                $"GET {path} on {api.Process.Name} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public static Task<HostSummary[]> GetHostsAsync(ApiInstance api) => GetAsync<HostSummary[]>(api, "/api/hosts");

    public static Task<ClusterView> GetClusterAsync(ApiInstance api) => GetAsync<ClusterView>(api, "/api/cluster");

    public static Task<ContainerLive[]> GetContainersAsync(ApiInstance api) => GetAsync<ContainerLive[]>(api, "/api/containers");

    /// <summary>Opens the Api's <c>WatchAll</c> stream over a real WebSocket and records what arrives.</summary>
    public static async Task<FrameRecorder> WatchAllAsync(ApiInstance api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var stream = await HubStream.OpenAsync<HostFrame>(new Uri(api.BaseAddress, "/hubs/live"), "WatchAll", [], CancellationToken.None, ApiKey);
        return new FrameRecorder(api.Process.Name, stream);
    }

    /// <summary>The silo rows of this cluster straight from Redis (Orleans' Redis membership table).</summary>
    public async Task<IReadOnlyList<MembershipRow>> ReadMembershipAsync()
    {
        _redisClient ??= await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString + ",abortConnect=false");
        var entries = await _redisClient.GetDatabase().HashGetAllAsync($"orleans-monitor/members/{ClusterId}");
        return [.. entries.Where(e => e.Name != "Version").Select(e => MembershipRow.Parse(e.Name!, e.Value!))];
    }

    public static string Describe<T>(T value)
    {
        var text = JsonSerializer.Serialize(value, Json);
        return text.Length > 3000 ? text[..3000] + "…" : text;
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}

/// <summary>One simulated Docker host: its engine, its containers, its silo ports and the silo processes that watched it.</summary>
public sealed class ClusterHost(int number, DockerEngine engine)
{
    public int Number { get; } = number;

    public DockerEngine Engine { get; } = engine;

    /// <summary>The daemon ID from <c>/info</c>: the host's identity in the cluster.</summary>
    public string HostId { get; private set; } = "";

    // Orleans cannot listen on port 0 and report it: free ports are picked once and kept across restarts.
    public int SiloPort { get; } = MonitorProcess.FreePort();

    public int GatewayPort { get; } = MonitorProcess.FreePort();

    /// <summary>The current silo process.</summary>
    public MonitorProcess? Silo { get; set; }

    /// <summary>Every silo process started for this host (restarts included), so all are cleaned up.</summary>
    public List<MonitorProcess> SiloStarts { get; } = [];

    /// <summary>Since when the current silo has been up on the Apis: minutes after this one hold every second.</summary>
    public DateTimeOffset UpSince { get; set; }

    /// <summary>The idle containers started with the cluster, running throughout.</summary>
    public List<string> Containers { get; } = [];

    public async Task CreateContainersAsync()
    {
        HostId = (await Engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        Containers.Add(await Engine.RunContainerAsync(["--name", $"idle-{Number}-a"], "sleep", "100000"));
        Containers.Add(await Engine.RunContainerAsync(["--name", $"idle-{Number}-b"], "sleep", "100000"));
    }

    public override string ToString() => $"host {Number} ({HostId[..Math.Min(14, HostId.Length)]})";
}

/// <summary>An Api process and a client for its REST endpoints.</summary>
public sealed class ApiInstance(MonitorProcess process, Uri baseAddress)
{
    public MonitorProcess Process { get; } = process;

    public Uri BaseAddress { get; } = baseAddress;

    /// <summary>Sends <see cref="ClusterFixture.ApiKey"/> on every request.</summary>
    public HttpClient Http { get; } = new()
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(10),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ClusterFixture.ApiKey) },
    };
}

/// <summary>One silo row of the Redis membership table: Orleans' <c>SiloStatus</c> as a number (3 active, 6 dead).</summary>
public sealed record MembershipRow(string Silo, int Generation, int Status, string? SiloName, int Suspicions)
{
    public const int Active = 3;
    public const int Dead = 6;

    public static MembershipRow Parse(string field, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new MembershipRow(
            field,
            int.Parse(field[(field.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
            root.GetProperty(nameof(Status)).GetInt32(),
            root.TryGetProperty(nameof(SiloName), out var name) ? name.GetString() : null,
            root.TryGetProperty("SuspectTimes", out var suspects) && suspects.ValueKind == JsonValueKind.Array ? suspects.GetArrayLength() : 0);
    }
}

/// <summary>The cluster tests share one cluster and never run beside other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
