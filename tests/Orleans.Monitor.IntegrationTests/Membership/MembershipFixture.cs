using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Membership;
using Orleans.Monitor.Storage.Postgres;

namespace Orleans.Monitor.IntegrationTests.Membership;

/// <summary>A fresh database per test and membership tables on it with short leases (2 s), one per simulated process.</summary>
public abstract class MembershipTestBase(PostgresServer server) : IAsyncLifetime
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly List<NpgsqlDataSource> _dataSources = [];

    protected PostgresServer Server => server;

    protected string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!server.IsRunning)
        {
            await server.StartAsync();
        }

        ConnectionString = await server.CreateDatabaseAsync();
        await (await OpenTableAsync()).InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }

    protected static MembershipOptions ShortLeases(string siloId = "silo-1", string dockerHost = "daemon-1") => new()
    {
        SiloId = siloId,
        DockerHostId = dockerHost,
        Endpoint = $"http://127.0.0.1:5000/{siloId}",
        HeartbeatInterval = TimeSpan.FromMilliseconds(250),
        LeaseDuration = TimeSpan.FromSeconds(2),
        RefreshInterval = TimeSpan.FromSeconds(1),
    };

    protected static SiloRegistration Registration(string siloId, string dockerHost) =>
        new(siloId, dockerHost, $"http://127.0.0.1:5000/{siloId}", "1.2.3", "box-" + siloId);

    protected NpgsqlDataSource NewDataSource()
    {
        var dataSource = PostgresStartup.CreateDataSource(ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    protected Task<MembershipTable> OpenTableAsync(MembershipOptions? options = null) =>
        Task.FromResult(new MembershipTable(NewDataSource(), Options.Create(options ?? ShortLeases()), TimeProvider.System));

    protected static async Task<SiloEntry> RowAsync(MembershipTable table, string siloId, long generation) =>
        (await table.ReadAsync(CancellationToken.None)).Silos.Single(s => s.SiloId == siloId && s.Generation == generation);

    /// <summary>Runs reaper rounds until the warm-up (a full lease of successful round-trips) is over.</summary>
    protected static async Task WarmUpAsync(MembershipTable reaper, Func<Task>? betweenRounds = null)
    {
        await Poll.UntilAsync(
            async () =>
            {
                if (betweenRounds is not null)
                {
                    await betweenRounds();
                }

                return (await reaper.ReapAsync(CancellationToken.None)).Outcome != ReapOutcome.WarmingUp;
            },
            Deadline,
            "the reaper to warm up");
    }
}
