using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// What an Api's membership view does across a database outage longer than a lease: every lease ran out while no silo
/// could renew it, so right after the outage the table says "expired" for silos that are fine. The view must give
/// them a lease to renew (as the reaper's warm-up does) instead of flapping their hosts to down.
/// </summary>
public sealed class MembershipOutageTests : IAsyncLifetime
{
    private static readonly MembershipOptions Timings = new()
    {
        ClusterId = "outage",
        HeartbeatInterval = TimeSpan.FromMilliseconds(250),
        LeaseDuration = TimeSpan.FromSeconds(2),
        RefreshInterval = TimeSpan.FromMilliseconds(200),
    };

    private readonly PostgresServer _postgres = new();

    public Task InitializeAsync() => _postgres.InitializeAsync();

    public Task DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task Listener_OutageLongerThanLease_KeepsSilosAliveUntilTheyCouldRenew()
    {
        await using var dataSource = NpgsqlDataSource.Create(_postgres.ConnectionString);
        var table = new MembershipTable(dataSource, Options.Create(Timings), TimeProvider.System);
        await table.InitializeAsync(CancellationToken.None);
        await table.JoinAsync(new SiloRegistration("silo", "host", "http://127.0.0.1:1", "t", "t"), CancellationToken.None);
        using var listener = new MembershipListener(
            dataSource, table, Options.Create(Timings), TimeProvider.System, NullLogger<MembershipListener>.Instance);
        var seenDead = 0;
        using var subscription = listener.Subscribe((snapshot, _) =>
        {
            if (!snapshot.Silos.Single(s => s.SiloId == "silo").IsAlive)
            {
                Interlocked.Increment(ref seenDead);
            }

            return Task.CompletedTask;
        });
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(() => listener.Current is not null, TimeSpan.FromSeconds(30), "the first membership read");

            // The outage outlasts the lease (2 s); the silo cannot renew meanwhile.
            await _postgres.StopAsync();
            await Task.Delay(Timings.LeaseDuration + TimeSpan.FromSeconds(1));
            await _postgres.StartAsync();

            // Another silo joins right after the outage, before the first one renews: the view the listener publishes
            // then is the one right after the outage.
            await Poll.UntilAsync(
                async () => await table.JoinAsync(new SiloRegistration("late", "other-host", "http://127.0.0.1:2", "t", "t"), CancellationToken.None) > 0,
                TimeSpan.FromSeconds(30),
                "the database to accept a join again");
            await Poll.UntilAsync(() => listener.Current!.Silos.Any(s => s.SiloId == "late"), TimeSpan.FromSeconds(30), "a membership read after the outage");
            Assert.True(listener.Current!.Silos.Single(s => s.SiloId == "silo").IsAlive, "the silo counted as gone right after the outage");
            Assert.Equal(0, seenDead);

            // A silo that never renews is gone once it has had a full lease to do so.
            await Poll.UntilAsync(() => !listener.Current!.Silos.Single(s => s.SiloId == "silo").IsAlive, TimeSpan.FromSeconds(30), "the unrenewed silo to count as gone");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }
}
