using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// One private dockerd and one Api on Kestrel watching it, shared by the REST, hub and browser tests so the
/// engine starts once. Tests create their own uniquely named containers and never depend on each other's.
/// </summary>
public sealed class LiveApi : IAsyncLifetime, IDisposable
{
    private readonly DockerEngine _engine = new();
    private MonitorApp? _app;

    /// <summary>Far longer than any test: see <see cref="InitializeAsync"/>.</summary>
    public static readonly TimeSpan ReconcileInterval = TimeSpan.FromHours(1);

    public DockerEngine Engine => _engine;

    /// <summary>Every minute the app's container grains handed to the store writer.</summary>
    public RecordingSink Sink => App.Services.GetRequiredService<RecordingSink>();

    public MonitorApp App => _app ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>The engine's daemon ID (<c>docker info</c> ID), i.e. the host id the Api must report.</summary>
    public string HostId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_engine).InitializeAsync();
        HostId = (await _engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        _app = new MonitorApp(
            _engine.DockerHost,
            kestrel: true,
            new Dictionary<string, string?>
            {
                // The periodic re-listing would also catch starts, deaths and removals: slowed right down, only the
                // daemon's /events can satisfy the lifecycle tests.
                ["Host:ReconcileInterval"] = ReconcileInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                // Rules the browser tests put fire within seconds.
                ["Rules:EvaluationInterval"] = "1s",
            },
            RecordingSink.Register);
        await _app.StartAsync();
        using var client = _app.CreateApiClient();
        await Eventually.GetJsonAsync<HostSummary[]>(
            client,
            "/api/hosts",
            hosts => hosts.Any(h => h.HostId == HostId && h.Status == HostStatus.Up),
            TimeSpan.FromSeconds(60),
            "the engine's host to be up");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await ((IAsyncLifetime)_engine).DisposeAsync();
    }

    /// <summary>xunit disposes asynchronously; this only covers a fixture that failed to start.</summary>
    public void Dispose() => _app?.Dispose();

    /// <summary>A container name no other test uses.</summary>
    public static string UniqueName(string purpose) => $"t-{purpose}-{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>Tests that share <see cref="LiveApi"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class LiveApiCollection : ICollectionFixture<LiveApi>
{
    public const string Name = "live-api";
}
