using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>Failure detection with the default timings (heartbeat 5 s, lease 15 s), restarts and clocks.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(6)]
    public async Task KilledSilo_HostDownThenUpWithNewGeneration_OthersKeepStreaming()
    {
        var victim = cluster.Hosts[1];
        await WaitAllHostsUpAsync(Api1);
        await WaitAllHostsUpAsync(Api2);
        var oldGeneration = (await ClusterFixture.GetClusterAsync(Api1)).Silos.Single(s => s.SiloId == victim.SiloId && s.Alive).Generation;
        await using var live = await ClusterFixture.WatchAllAsync(Api2);

        await victim.Silo!.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        var watch = Watch();
        var before = await ClusterFixture.GetHostsAsync(Api1);

        await UntilAsync(
            async () => Host(await ClusterFixture.GetHostsAsync(Api1), victim) is { Status: "down", LastSeen: not null },
            Deadline,
            "the killed silo's host to show down");
        var detected = watch.Elapsed;
        Report($"failure detection (SIGKILL -> host down on api-1, default heartbeat 5 s / lease 15 s): {Ms(detected)} (target 20 s)");
        Assert.True(detected < TimeSpan.FromSeconds(40), $"took {detected}");

        var down = Host(await ClusterFixture.GetHostsAsync(Api1), victim);
        Assert.True(down.LastSeen <= killedAt.AddSeconds(1), $"lastSeen {down.LastSeen} is after the kill at {killedAt}");

        // The other hosts streamed all along: up, their frames' times advanced past the detection on api-2's WebSocket.
        var after = await ClusterFixture.GetHostsAsync(Api1);
        foreach (var host in cluster.Hosts.Where(h => h != victim))
        {
            Assert.Equal("up", Host(after, host).Status);
            Assert.True(Host(after, host).LastSeen > Host(before, host).LastSeen);
        }

        var detectedAt = DateTimeOffset.UtcNow;
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        while (fresh.Count < 2)
        {
            var (frame, _) = await live.NextAsync(TimeSpan.FromSeconds(10));
            if (frame.HostId != victim.HostId && frame.Status == "up" && frame.Timestamp > detectedAt)
            {
                fresh.Add(frame.HostId);
            }
        }

        // Restart: the same silo id joins with a new generation and the host is up again, listed once.
        cluster.StartSilo(victim);
        watch.Restart();
        await WaitAllHostsUpAsync(Api1);
        await WaitAllHostsUpAsync(Api2);
        Report($"restarted silo: host up again on both Apis {Ms(watch.Elapsed)} after the process started");

        var silos = (await ClusterFixture.GetClusterAsync(Api1)).Silos.Where(s => s.SiloId == victim.SiloId).ToList();
        var current = Assert.Single(silos, s => s.Alive);
        Assert.True(current.Generation > oldGeneration, $"generation {current.Generation} after {oldGeneration}");
        Assert.Equal(victim.HostId, current.HostId);
        Assert.Equal("dead", silos.Single(s => s.Generation == oldGeneration).Status);
        foreach (var api in cluster.Apis)
        {
            Assert.Single(await ClusterFixture.GetHostsAsync(api), h => h.HostId == victim.HostId);
        }
    }

    [Fact, Step(7)]
    public async Task Liveness_SkewedWriterClocks_JudgedOnDatabaseClockOnly()
    {
        // Every lease is written and judged with now() in SQL, so a silo's own clock cannot move them. Show it with
        // the product's table: a writer whose clock is two hours fast, and a row whose last_heartbeat a rogue writer
        // set a day ahead. A separate cluster id keeps this away from the real silos.
        var options = new MembershipOptions
        {
            ClusterId = "skew-" + Guid.NewGuid().ToString("N")[..8],
            HeartbeatInterval = TimeSpan.FromMilliseconds(250),
            LeaseDuration = TimeSpan.FromSeconds(2),
        };
        await using var dataSource = NpgsqlDataSource.Create(cluster.Postgres.ConnectionString);
        var skewed = new MembershipTable(dataSource, Options.Create(options), new SkewedTimeProvider(TimeSpan.FromHours(2)));
        var reaper = new MembershipTable(dataSource, Options.Create(options), TimeProvider.System);

        var fastGeneration = await skewed.JoinAsync(new SiloRegistration("fast-clock", "skew-host-1", "http://127.0.0.1:1", "t", "t"), CancellationToken.None);
        var rogueGeneration = await skewed.JoinAsync(new SiloRegistration("rogue", "skew-host-2", "http://127.0.0.1:2", "t", "t"), CancellationToken.None);
        await using (var command = dataSource.CreateCommand(
            "UPDATE silo_membership SET last_heartbeat = now() + interval '1 day' WHERE cluster_id = @c AND silo_id = 'rogue';"))
        {
            command.Parameters.AddWithValue("c", options.ClusterId);
            await command.ExecuteNonQueryAsync();
        }

        var joined = await reaper.ReadAsync(CancellationToken.None);
        var fast = joined.Silos.Single(s => s.SiloId == "fast-clock");
        Assert.InRange(fast.LastHeartbeat, joined.DatabaseTime.AddSeconds(-5), joined.DatabaseTime.AddSeconds(1));
        Assert.InRange(fast.LeaseExpires, joined.DatabaseTime, joined.DatabaseTime + options.LeaseDuration + TimeSpan.FromSeconds(1));

        // The fast-clock silo keeps renewing; the rogue row does not. Only the rogue row's lease ends, and it is reaped
        // although its last_heartbeat is in the future.
        await UntilAsync(
            async () =>
            {
                Assert.True(await skewed.HeartbeatAsync("fast-clock", fastGeneration, CancellationToken.None));
                await reaper.ReapAsync(CancellationToken.None);
                var snapshot = await reaper.ReadAsync(CancellationToken.None);
                return snapshot.Silos.Single(s => s.SiloId == "rogue").Status == SiloStatus.Dead;
            },
            TimeSpan.FromSeconds(30),
            "the rogue row to be reaped");
        var final = await reaper.ReadAsync(CancellationToken.None);
        Assert.True(final.Silos.Single(s => s.SiloId == "fast-clock").IsAlive);
        Assert.False(final.Silos.Single(s => s.SiloId == "rogue" && s.Generation == rogueGeneration).IsAlive);

        // The real cluster: every heartbeat the Api reports is on the database clock, never ahead of it.
        var view = await ClusterFixture.GetClusterAsync(Api1);
        Assert.All(view.Silos.Where(s => s.Alive), s => Assert.True(s.LastHeartbeat <= s.LeaseExpires));
    }

    /// <summary>A writer whose wall clock is off; only what the process itself reads changes.</summary>
    private sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }
}
