using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Hubs;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// The Api in standalone mode (co-hosted silo, SQLite in a temp folder) pointed at one Docker host. Runs on the
/// in-memory TestServer, or on Kestrel at 127.0.0.1:0 when a real socket is needed (WebSockets, a browser).
/// The entry type is one from the Api assembly: both the Api and the Silo have a top-level <c>Program</c>.
/// </summary>
public sealed class MonitorApp : WebApplicationFactory<LiveHub>
{
    /// <summary>camelCase JSON as the Api writes it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _kestrel;
    private readonly Action<IServiceCollection>? _configureServices;

    public MonitorApp(
        string dockerHost,
        bool kestrel,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        DockerHost = dockerHost;
        _kestrel = kestrel;
        _configureServices = configureServices;
        DataPath = Path.Combine(Path.GetTempPath(), "omapp-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(DataPath);

        // Orleans cannot bind its silo port to 0 and report the port back, so each app takes a port that was free a
        // moment ago; without it every app would claim the default 11111 and apps of parallel runs would collide.
        SiloPort = MonitorProcess.FreePort();
        _settings = new Dictionary<string, string?>
        {
            ["Docker:Host"] = dockerHost,
            ["Storage:DataPath"] = DataPath,
            ["Orleans:Endpoints:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Storage:Writer:FlushInterval"] = "00:00:01",
            ["Host:ReconnectBaseDelay"] = "00:00:00.200",
            ["Host:ReconnectMaxDelay"] = "00:00:02",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        if (kestrel)
        {
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }
    }

    /// <summary>The <c>Docker:Host</c> the app watches.</summary>
    public string DockerHost { get; }

    /// <summary>The co-hosted silo's <c>Orleans:Endpoints:SiloPort</c>.</summary>
    public int SiloPort { get; }

    /// <summary>SQLite's folder; deleted on dispose.</summary>
    public string DataPath { get; }

    /// <summary>The API key <see cref="CreateApiClient"/> sends as <c>Authorization: Bearer</c>; null sends none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The Kestrel address (http://127.0.0.1:port/); null on the TestServer.</summary>
    public Uri? ServerAddress { get; private set; }

    /// <summary>Starts the app (Kestrel or TestServer) and checks that it serves requests.</summary>
    public async Task StartAsync()
    {
        if (_kestrel)
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
            ServerAddress = new Uri(addresses.Addresses.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        }

        // The server is up once started; /api/hosts must answer from the first request on, whatever Docker does.
        using var client = CreateApiClient();
        await GetJsonAsync<JsonElement>(client, "/api/hosts");
    }

    /// <summary>A client for the app: a real socket on Kestrel, in-memory otherwise.</summary>
    public HttpClient CreateApiClient()
    {
        var client = ServerAddress is null ? CreateClient() : new HttpClient { BaseAddress = ServerAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (ApiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        }

        return client;
    }

    /// <summary>GETs JSON and fails with the body when the status is not 2xx.</summary>
    public static async Task<T> GetJsonAsync<T>(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path} -> {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The Api reads some settings while it registers services (Orleans:Endpoints, the store), before
        // configuration added by ConfigureAppConfiguration is applied: UseSetting makes them visible from the start.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        if (_configureServices is { } configure)
        {
            // After the app's own registrations, so a test's replacement wins.
            builder.ConfigureTestServices(configure);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the run; the folder is uniquely named under /tmp.
        }

        GC.SuppressFinalize(this);
    }
}
