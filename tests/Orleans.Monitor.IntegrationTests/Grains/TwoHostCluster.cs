using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Placement;
using Orleans.Monitor.Grains.Stats;
using Orleans.TestingHost;

namespace Orleans.Monitor.IntegrationTests.Grains;

/// <summary>
/// An in-process Orleans cluster (Microsoft.Orleans.TestingHost) of two silos, each declaring its own Docker daemon
/// in its silo name as a production silo does, with placement by Docker host. Each silo's grains get a
/// <see cref="RecordingSink"/> of their own, the shared <see cref="ScriptedStatsSource"/> and, unless the options ask
/// for real time, the fake <see cref="Clock"/> that the test moves. Orleans' own timers (membership, messaging) keep
/// real time.
/// </summary>
public sealed class TwoHostCluster : IAsyncLifetime
{
    // Shaped like real daemon IDs, colons included: grain keys and silo names must carry them intact.
    public const string DefaultHostA = "AAAA:2XQF:K3VB:7HDL:OQ4N:UWJX:ZR6T:E5MC:PYGS:B2IA:L8KD:N1FH";
    public const string DefaultHostB = "BBBB:5MTY:Q9WC:3JRE:XK7U:HV2P:D6NL:S4GO:ZA1B:F8IM:T0EQ:W7YK";

    private readonly TwoHostClusterOptions _options;
    private readonly Dictionary<string, RecordingSink> _sinks;
    private InProcessTestCluster? _cluster;

    public TwoHostCluster()
        : this(new TwoHostClusterOptions())
    {
    }

    private TwoHostCluster(TwoHostClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _sinks = new(StringComparer.Ordinal) { [options.HostA] = new RecordingSink(), [options.HostB] = new RecordingSink() };
        Stats = new ScriptedStatsSource(options.FakeClock ? Clock : TimeProvider.System);
    }

    /// <summary>A cluster set up otherwise than the fixture default; start it with <see cref="InitializeAsync"/>.</summary>
    public static TwoHostCluster With(TwoHostClusterOptions options) => new(options);

    public string HostA => _options.HostA;

    public string HostB => _options.HostB;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not been started.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The grains' clock when <see cref="TwoHostClusterOptions.FakeClock"/> is set: it moves only when the test moves it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

    public ScriptedStatsSource Stats { get; }

    public TimeSpan Interval => _options.Interval;

    /// <summary>What the grains of <paramref name="hostId"/>'s silo handed to the store.</summary>
    public RecordingSink Sink(string hostId) => _sinks[hostId];

    /// <summary>The silo that declares <paramref name="hostId"/>.</summary>
    public InProcessSiloHandle Silo(string hostId) => Cluster.Silos.Single(s => s.Name == SiloName(hostId));

    public IHostGrain Host(string hostId) => Client.GetGrain<IHostGrain>(hostId);

    public IContainerGrain Container(string hostId, string containerId) =>
        Client.GetGrain<IContainerGrain>(GrainKeys.Container(hostId, containerId));

    /// <summary>Every activation of every live silo, read from the silos' own catalogs (not the directory).</summary>
    public async Task<IReadOnlyList<DetailedGrainStatistic>> ActivationsAsync() =>
        await Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();

    /// <summary>
    /// One sampling interval on the fake clock: the host grain's timer fires, and the frame it built is returned.
    /// The timer's tick is queued on the grain before this call's request, so the answer comes after the tick.
    /// </summary>
    public async Task<HostFrame> TickAsync(IHostGrain host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Clock.Advance(Interval);
        return await host.GetFrameAsync();
    }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((siloOptions, silo) =>
        {
            var hostId = HostOf(siloOptions.SiloName);

            // The test cluster names its silos after user configuration has run; declare the daemon after that.
            silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = HostSiloName.For(hostId));
            silo.AddDockerHostPlacement();

            var services = silo.Services;
            services.AddSingleton<IMonitorSink>(_sinks[hostId]);
            services.AddSingleton<IStatsSource>(Stats);
            services.Configure<SamplingOptions>(o => (o.Interval, o.Window) = (_options.Interval, _options.Window));
            if (_options.FakeClock)
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            }

            _options.ConfigureSilo?.Invoke(hostId, services, silo.Configuration);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    private string HostOf(string siloName) => siloName switch
    {
        "Silo_0" => _options.HostA,
        "Silo_1" => _options.HostB,
        _ => throw new InvalidOperationException($"Unexpected silo {siloName}: the cluster has two."),
    };

    private string SiloName(string hostId) =>
        hostId == _options.HostA ? "Silo_0" : hostId == _options.HostB ? "Silo_1" : throw new ArgumentException($"No silo declares {hostId}", nameof(hostId));
}

/// <summary>How a <see cref="TwoHostCluster"/> is set up.</summary>
public sealed record TwoHostClusterOptions
{
    public string HostA { get; init; } = TwoHostCluster.DefaultHostA;

    public string HostB { get; init; } = TwoHostCluster.DefaultHostB;

    /// <summary>Grains read the fixture's fake clock (the default); false gives them the system clock.</summary>
    public bool FakeClock { get; init; } = true;

    /// <summary>The host grains' sampling interval.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each container's rolling window: one minute, so tests can fill it.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Runs last for each silo (with its daemon ID): replace a service, add the daemon watcher.</summary>
    public Action<string, IServiceCollection, IConfiguration>? ConfigureSilo { get; init; }
}
