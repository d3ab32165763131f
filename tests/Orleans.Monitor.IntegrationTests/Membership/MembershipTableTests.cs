using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.IntegrationTests.Membership;

/// <summary>Join, heartbeat, leave and reaping on a real PostgreSQL, leases judged by its clock.</summary>
public sealed class MembershipTableTests(PostgresServer server) : MembershipTestBase(server), IClassFixture<PostgresServer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task JoinHeartbeatLeave_Lifecycle_IsVisibleInRead()
    {
        var table = await OpenTableAsync();

        var generation = await table.JoinAsync(Registration("silo-1", "daemon-1"), None);
        var joined = await RowAsync(table, "silo-1", generation);
        Assert.True(await table.HeartbeatAsync("silo-1", generation, None));
        var renewed = await RowAsync(table, "silo-1", generation);
        Assert.True(await table.BeginLeaveAsync("silo-1", generation, None));
        Assert.True(await table.LeaveAsync("silo-1", generation, None));
        var left = await RowAsync(table, "silo-1", generation);

        Assert.Equal(SiloStatus.Active, joined.Status);
        Assert.True(joined.IsAlive);
        Assert.Equal(("daemon-1", "http://127.0.0.1:5000/silo-1", "1.2.3", "box-silo-1"), (joined.DockerHostId, joined.Endpoint, joined.Version, joined.HostName));
        Assert.True(renewed.LeaseExpires >= joined.LeaseExpires);
        Assert.Equal(SiloStatus.Dead, left.Status);
        Assert.False(left.IsAlive);
        Assert.False(await table.HeartbeatAsync("silo-1", generation, None));
    }

    [Fact]
    public async Task JoinAsync_SameSiloAgain_NewGenerationAndOldRowDead()
    {
        var table = await OpenTableAsync();
        var first = await table.JoinAsync(Registration("silo-1", "daemon-1"), None);

        var second = await table.JoinAsync(Registration("silo-1", "daemon-1"), None);

        Assert.True(second > first);
        Assert.Equal(SiloStatus.Dead, (await RowAsync(table, "silo-1", first)).Status);
        Assert.Equal(SiloStatus.Active, (await RowAsync(table, "silo-1", second)).Status);
        Assert.False(await table.HeartbeatAsync("silo-1", first, None));
        Assert.True(await table.HeartbeatAsync("silo-1", second, None));
    }

    [Fact]
    public async Task JoinAsync_OtherSiloOnSameDockerHost_LeavesOneLiveSiloPerHost()
    {
        var table = await OpenTableAsync();
        var old = await table.JoinAsync(Registration("silo-1", "daemon-1"), None);
        await table.JoinAsync(Registration("silo-3", "daemon-2"), None);

        var replacement = await table.JoinAsync(Registration("silo-2", "daemon-1"), None);

        var alive = (await table.ReadAsync(None)).Alive.ToArray();
        Assert.Equal([("silo-2", replacement, "daemon-1"), ("silo-3", 1L, "daemon-2")], alive.Select(s => (s.SiloId, s.Generation, s.DockerHostId)));
        Assert.False(await table.HeartbeatAsync("silo-1", old, None));
    }

    [Fact]
    public async Task ReapAsync_LeaseExpired_MarksSiloDeadAndItsHeartbeatFails()
    {
        var silos = await OpenTableAsync();
        var reaper = await OpenTableAsync();
        var survivor = await silos.JoinAsync(Registration("silo-1", "daemon-1"), None);
        var victim = await silos.JoinAsync(Registration("silo-2", "daemon-2"), None);
        var versionBefore = (await silos.ReadAsync(None)).Version;

        ReapResult? result = null;
        await Poll.UntilAsync(
            async () =>
            {
                Assert.True(await silos.HeartbeatAsync("silo-1", survivor, None));
                result = await reaper.ReapAsync(None);
                return result.Reaped.Count > 0;
            },
            Deadline,
            "the silo without heartbeats to be reaped");

        Assert.Equal([("silo-2", victim)], result!.Reaped);
        var snapshot = await silos.ReadAsync(None);
        Assert.True(snapshot.Version > versionBefore);
        Assert.Equal(SiloStatus.Dead, snapshot.Silos.Single(s => s.SiloId == "silo-2").Status);
        Assert.Equal(SiloStatus.Active, snapshot.Silos.Single(s => s.SiloId == "silo-1").Status);
        Assert.False(await silos.HeartbeatAsync("silo-2", victim, None));
    }

    [Fact]
    public async Task ReapAsync_NoSiloRenewedWithinLease_ReapsNobodyUntilOneRenews()
    {
        var silos = await OpenTableAsync();
        var reaper = await OpenTableAsync();
        var first = await silos.JoinAsync(Registration("silo-1", "daemon-1"), None);
        var second = await silos.JoinAsync(Registration("silo-2", "daemon-2"), None);
        await WarmUpAsync(reaper);
        // Nobody heartbeats: this is what every lease looks like after a database outage.
        await Poll.UntilAsync(
            async () =>
            {
                var snapshot = await silos.ReadAsync(None);
                return snapshot.Silos.All(s => !s.LeaseAlive) &&
                       snapshot.DatabaseTime - snapshot.Silos.Max(s => s.LastHeartbeat) > TimeSpan.FromSeconds(2);
            },
            Deadline,
            "every lease to expire with no renewal");

        var guarded = await reaper.ReapAsync(None);

        Assert.Equal(ReapOutcome.SuspectedOutage, guarded.Outcome);
        Assert.Empty(guarded.Reaped);
        Assert.All((await silos.ReadAsync(None)).Silos, s => Assert.Equal(SiloStatus.Active, s.Status));
        Assert.Empty((await silos.ReadAsync(None)).Alive);

        Assert.True(await silos.HeartbeatAsync("silo-1", first, None));
        var reaped = await reaper.ReapAsync(None);

        Assert.Equal([("silo-2", second)], reaped.Reaped);
    }

    [Fact]
    public async Task ReapAsync_RightAfterDatabaseRestart_WarmsUpBeforeReaping()
    {
        var silos = await OpenTableAsync();
        var reaper = await OpenTableAsync();
        var survivor = await silos.JoinAsync(Registration("silo-1", "daemon-1"), None);
        var victim = await silos.JoinAsync(Registration("silo-2", "daemon-2"), None);
        await WarmUpAsync(reaper, async () =>
        {
            await silos.HeartbeatAsync("silo-1", survivor, None);
            await silos.HeartbeatAsync("silo-2", victim, None);
        });

        await Server.StopAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => reaper.ReapAsync(None));
        await Server.StartAsync();
        await Poll.UntilAsync(async () => await silos.HeartbeatAsync("silo-1", survivor, None), Deadline, "the survivor to renew after the restart");

        var first = await reaper.ReapAsync(None);

        Assert.Equal(ReapOutcome.WarmingUp, first.Outcome);
        Assert.Equal(SiloStatus.Active, (await RowAsync(silos, "silo-2", victim)).Status);
        await WarmUpAsync(reaper, async () => await silos.HeartbeatAsync("silo-1", survivor, None));
        await Poll.UntilAsync(
            async () =>
            {
                await silos.HeartbeatAsync("silo-1", survivor, None);
                await reaper.ReapAsync(None);
                return (await RowAsync(silos, "silo-2", victim)).Status == SiloStatus.Dead;
            },
            Deadline,
            "the victim to be reaped once the reaper is warm");
    }
}
