using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Monitor.Silo.Hosting;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A real two-node Docker Swarm of private engines on 127.0.0.1 (node 1 the manager, node 2 a worker, the busybox
/// image in both), a silo process on each node in cluster mode (Redis membership, PostgreSQL store,
/// <c>Autoscale:Enabled=true</c>), one Api process, and an Orleans client of that cluster in the test process.
/// Swarm ports are picked free, so runs beside other engines never collide. Services the tests create stay until
/// the engines leave the swarm at dispose.
/// </summary>
public sealed partial class SwarmCluster : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly List<MonitorProcess> _processes = [];
    private IHost? _client;

    public SwarmCluster()
    {
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "swarm-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    /// <summary>The swarm's manager (index 0) and worker (index 1).</summary>
    public IReadOnlyList<DockerEngine> Nodes { get; } = [new DockerEngine(), new DockerEngine()];

    public DockerEngine Manager => Nodes[0];

    /// <summary>The daemon IDs of <see cref="Nodes"/>, in the same order.</summary>
    public IReadOnlyList<string> HostIds { get; private set; } = [];

    public string ClusterId { get; } = "swarm-" + Guid.NewGuid().ToString("N")[..8];

    public string LogDirectory { get; }

    /// <summary>The Api process's REST client.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>An Orleans client of the cluster, as a rule grain would call the autoscaler.</summary>
    public IClusterClient Grains => _client!.Services.GetRequiredService<IClusterClient>();

    public async Task InitializeAsync()
    {
        try
        {
            await Task.WhenAll([Postgres.InitializeAsync(), Redis.InitializeAsync(), .. Nodes.Select(n => ((IAsyncLifetime)n).InitializeAsync())]);
            HostIds = await Task.WhenAll(Nodes.Select(async n => (await n.RunAsync("info", "--format", "{{.ID}}")).Trim()));
            await FormSwarmAsync();

            for (var i = 0; i < Nodes.Count; i++)
            {
                _processes.Add(MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", $"silo-{i + 1}", LogDirectory, SiloSettings(Nodes[i])));
            }

            var api = MonitorProcess.Start("Api", "Orleans.Monitor.Api", "api", LogDirectory, new Dictionary<string, string>(Cluster.ClusterFixture.ApiKeySettings())
            {
                ["ConnectionStrings__Redis"] = Redis.ConnectionString,
                ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
                ["Orleans__ClusterId"] = ClusterId,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                // The dashboard is built into the project's wwwroot/app, not copied to bin: serve it as a deployment would.
                ["ASPNETCORE_CONTENTROOT"] = Path.Combine(MonitorProcess.RepositoryRoot(), "Api"),
            });
            _processes.Add(api);
            Uri? address = null;
            await Poll.UntilAsync(
                () =>
                {
                    ThrowIfExited();
                    var match = ListeningOn().Match(api.ReadStdout());
                    address = match.Success ? new Uri(match.Groups[1].Value) : null;
                    return address is not null;
                },
                StartDeadline,
                "the Api to log the address it listens on",
                Diagnostics);
            Api = new HttpClient
            {
                BaseAddress = address,
                Timeout = TimeSpan.FromSeconds(10),
                DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Cluster.ClusterFixture.ApiKey) },
            };
            await Poll.UntilAsync(BothHostsUpAsync, StartDeadline, "the Api to show both swarm nodes up", Diagnostics);
            _client = await StartClientAsync();
        }
        catch (Exception ex)
        {
            var diagnostics = Diagnostics();
            await DisposeAsync();
            throw new InvalidOperationException($"The swarm cluster did not start: {ex.Message}\n{diagnostics}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync(TimeSpan.FromSeconds(10));
            _client.Dispose();
            _client = null;
        }

        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask()));
        _processes.Clear();
        Api?.Dispose();
        foreach (var node in Nodes.Reverse())
        {
            if (node.IsRunning)
            {
                try
                {
                    await node.RunAsync("swarm", "leave", "--force");
                }
                catch (InvalidOperationException)
                {
                    // Not in a swarm (start failed before it formed): nothing to leave.
                }
            }
        }

        await Task.WhenAll(Nodes.Select(n => ((IAsyncLifetime)n).DisposeAsync()));
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    /// <summary>
    /// Creates a replicated service of busybox tasks on the swarm (no registry: the image is resolved locally on each
    /// node) and returns its name; <paramref name="command"/> is what each task runs.
    /// </summary>
    public async Task<string> CreateServiceAsync(string name, int replicas, params string[] command)
    {
        await Manager.RunAsync(
        [
            "service", "create", "--detach", "--no-resolve-image", "--name", name,
            "--replicas", replicas.ToString(CultureInfo.InvariantCulture),
            // Kind to the shared machine: each task may use a tenth of a core however hard it loops.
            "--limit-cpu", "0.1",
            DockerEngine.BusyboxImage, .. command,
        ], CancellationToken.None);
        return name;
    }

    /// <summary>The service's replica count and version as the manager's Engine API reports them.</summary>
    public async Task<(int Replicas, long Version)> InspectServiceAsync(string name)
    {
        using var http = Manager.CreateApiClient(TimeSpan.FromSeconds(10));
        using var response = await http.GetAsync(new Uri($"/services/{name}", UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET /services/{name} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return (
            root.GetProperty("Spec").GetProperty("Mode").GetProperty("Replicated").GetProperty("Replicas").GetInt32(),
            root.GetProperty("Version").GetProperty("Index").GetInt64());
    }

    /// <summary>GET on the Api that must answer 200 (anything else fails at once), as JSON.</summary>
    public async Task<T> GetAsync<T>(string path)
    {
        ThrowIfExited();
        using var response = await Api.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET {path} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    /// <summary>Every process's last output lines, for a failure message.</summary>
    public string Diagnostics() => $"Cluster {ClusterId}, logs in {LogDirectory}\n" + string.Join('\n', _processes.Select(p => p.Tail(25)));

    private Dictionary<string, string> SiloSettings(DockerEngine node) => new()
    {
        ["DOCKER_HOST"] = node.DockerHost,
        ["ConnectionStrings__Redis"] = Redis.ConnectionString,
        ["ConnectionStrings__Monitor"] = Postgres.ConnectionString,
        ["Orleans__ClusterId"] = ClusterId,
        ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        ["Autoscale__Enabled"] = "true",
    };

    /// <summary>Node 1 inits the swarm, node 2 joins it as a worker; both on ports of their own.</summary>
    private async Task FormSwarmAsync()
    {
        var managerAddress = $"127.0.0.1:{MonitorProcess.FreePort()}";
        await Manager.RunAsync(
            "swarm", "init", "--listen-addr", managerAddress, "--advertise-addr", managerAddress,
            "--data-path-port", MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture));
        var token = (await Manager.RunAsync("swarm", "join-token", "-q", "worker")).Trim();
        var workerAddress = $"127.0.0.1:{MonitorProcess.FreePort()}";
        await Nodes[1].RunAsync("swarm", "join", "--listen-addr", workerAddress, "--advertise-addr", workerAddress, "--token", token, managerAddress);
        await Poll.UntilAsync(
            async () => (await Manager.RunAsync("node", "ls", "--format", "{{.Status}}")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s.Trim() == "Ready") == 2,
            StartDeadline,
            "both swarm nodes to be Ready");
    }

    private async Task<bool> BothHostsUpAsync()
    {
        ThrowIfExited();
        var hosts = await GetAsync<JsonElement>("/api/hosts");
        return HostIds.All(id => hosts.EnumerateArray().Any(h => h.GetProperty("hostId").GetString() == id && h.GetProperty("status").GetString() == "up"));
    }

    private async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [OrleansConfiguration.RedisKey] = Redis.ConnectionString,
            ["Orleans:ClusterId"] = ClusterId,
        });
        var configuration = builder.Configuration;
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = OrleansConfiguration.Redis(configuration));
            client.Configure<ClusterOptions>(o => OrleansConfiguration.BindCluster(o, configuration));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private void ThrowIfExited()
    {
        if (_processes.FirstOrDefault(p => p.HasExited) is { } exited)
        {
            throw new InvalidOperationException($"{exited.Name} exited with {exited.ExitCode}.");
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}

/// <summary>The Swarm tests share one swarm cluster and never run beside other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SwarmCollection : ICollectionFixture<SwarmCluster>
{
    public const string Name = "swarm";
}
