using Npgsql;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>PostgreSQL outages and the minute aggregates the silos write.</summary>
public sealed partial class ClusterTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    /// <summary>Closed minutes reach the table within a minute boundary, the writer's flush and its retry backoff.</summary>
    private static readonly TimeSpan AggregateDeadline = TimeSpan.FromSeconds(150);

    [Fact, Step(8)]
    public async Task PostgresOutage_ThirtySeconds_NoSiloDeclaredDeadLiveViewContinuesNoMinuteLost()
    {
        await WaitAllHostsUpAsync(Api1);
        var generations = (await ClusterFixture.GetClusterAsync(Api1)).Silos.Where(s => s.Alive && !s.HostId.StartsWith(FakeSilo.HostPrefix, StringComparison.Ordinal))
            .ToDictionary(s => s.SiloId, s => s.Generation);
        Assert.Equal(ClusterFixture.HostCount, generations.Count);
        var silos = cluster.Hosts.Select(h => h.Silo!).ToList();
        await using var live = await ClusterFixture.WatchAllAsync(Api1);

        var outageStart = DateTimeOffset.UtcNow;
        await cluster.Postgres.StopAsync();
        var watch = Watch();
        var framesDuringOutage = new Dictionary<string, int>(StringComparer.Ordinal);
        var newestDuringOutage = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var statusesDuringOutage = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // The outage lasts 30 s; meanwhile the live view must keep flowing from the Api.
            while (watch.Elapsed < Outage)
            {
                var (frame, _) = await live.NextAsync(TimeSpan.FromSeconds(10));
                if (frame.Timestamp > outageStart && cluster.Hosts.Any(h => h.HostId == frame.HostId))
                {
                    framesDuringOutage[frame.HostId] = framesDuringOutage.GetValueOrDefault(frame.HostId) + 1;
                    newestDuringOutage[frame.HostId] = frame.Timestamp;
                    statusesDuringOutage.Add(frame.Status);
                }
            }
        }
        finally
        {
            await cluster.Postgres.StartAsync();
        }

        var outageEnd = DateTimeOffset.UtcNow;
        Report($"PostgreSQL outage {Ms(outageEnd - outageStart)}: live frames per host from api-1 during it: "
            + string.Join(", ", cluster.Hosts.Select(h => $"{h.SiloId} {framesDuringOutage.GetValueOrDefault(h.HostId)}"))
            + $"; statuses seen: {string.Join('/', statusesDuringOutage)}");
        foreach (var host in cluster.Hosts)
        {
            Assert.True(framesDuringOutage.GetValueOrDefault(host.HostId) >= 20, $"{host.SiloId}: {framesDuringOutage.GetValueOrDefault(host.HostId)} frames during the outage");
            Assert.True(newestDuringOutage[host.HostId] > outageStart + Outage - TimeSpan.FromSeconds(5));
        }

        Assert.Equal(["up"], statusesDuringOutage);

        // After it: the same generations, all alive, heartbeats after the outage. Meanwhile the live view must not
        // flap: every host stays up on the Api's stream while the silos renew their expired leases.
        var recovery = Watch();
        var nonUp = new HashSet<string>(StringComparer.Ordinal);
        using var watching = new CancellationTokenSource();
        var statuses = Task.Run(async () =>
        {
            await foreach (var (frame, _) in live.Items.ReadAllAsync(watching.Token))
            {
                if (frame.Status != "up" && cluster.Hosts.Any(h => h.HostId == frame.HostId))
                {
                    lock (nonUp)
                    {
                        nonUp.Add($"{frame.HostId[..4]}:{frame.Status} at {frame.Timestamp:HH:mm:ss.f} ({frame.Error})");
                    }
                }
            }
        });
        await UntilAsync(
            async () =>
            {
                var view = await ClusterFixture.GetClusterAsync(Api1);
                return generations.All(g => view.Silos.Any(s => s.SiloId == g.Key && s.Generation == g.Value && s.Alive && s.LastHeartbeat > outageEnd));
            },
            Deadline,
            "every silo to heartbeat again with its old generation");
        var heartbeating = recovery.Elapsed;
        // One more heartbeat interval and the Api's refresh: any flap would show by then.
        await Task.WhenAny(statuses, Task.Delay(TimeSpan.FromSeconds(7)));
        await watching.CancelAsync();
        await statuses.ContinueWith(_ => { }, TaskScheduler.Default);
        Report($"after the outage: all silos heartbeating again with unchanged generations {Ms(heartbeating)} after PostgreSQL returned"
            + (nonUp.Count == 0 ? "; every host stayed up on api-1's stream" : $"; hosts not up meanwhile: {string.Join(", ", nonUp)}"));
        Assert.Empty(nonUp);
        Assert.All(silos, s => Assert.False(s.HasExited, $"{s.Name} exited with {s.ExitCode}"));
        var cluster1 = await ClusterFixture.GetClusterAsync(Api1);
        foreach (var (siloId, generation) in generations)
        {
            Assert.Equal(generation, Assert.Single(cluster1.Silos, s => s.SiloId == siloId && s.Alive).Generation);
        }

        // No minute lost: every container has a row for each minute from before the outage through the minute it ended.
        var firstMinute = Minute(outageStart).AddMinutes(-1);
        var lastMinute = Minute(outageEnd);
        var containers = cluster.Hosts.SelectMany(h => new[] { h.Containers[h.IdleName], h.Containers[h.BusyName] }).ToList();
        IReadOnlyList<StoredMinute> rows = [];
        await UntilAsync(
            async () =>
            {
                rows = await cluster.ReadMinutesAsync();
                return containers.All(c => rows.Any(r => r.ContainerId == c && r.Minute == lastMinute));
            },
            AggregateDeadline,
            $"the minute {lastMinute:HH:mm} of every container in minute_aggregates");
        foreach (var container in containers)
        {
            var minutes = rows.Where(r => r.ContainerId == container && r.Minute >= firstMinute && r.Minute <= lastMinute).OrderBy(r => r.Minute).ToList();
            // A silo restarted just before the outage may have started its rows within the first minute.
            Assert.True(minutes.Count > 0 && minutes[0].Minute <= Minute(outageStart), $"{container[..12]}: no row at the outage start");
            for (var i = 1; i < minutes.Count; i++)
            {
                Assert.Equal(minutes[i - 1].Minute.AddMinutes(1), minutes[i].Minute);
            }
        }

        var duringOutage = rows.Where(r => r.Minute >= Minute(outageStart) && r.Minute <= lastMinute && containers.Contains(r.ContainerId)).ToList();
        Report($"minutes {Minute(outageStart):HH:mm}-{lastMinute:HH:mm} around the outage: {duringOutage.Count} rows for {containers.Count} containers, "
            + $"samples per row {duringOutage.Min(r => r.SampleCount)}-{duringOutage.Max(r => r.SampleCount)}");
    }

    [Fact, Step(9)]
    public async Task MinuteAggregates_AllHosts_ExactlyOncePerContainerMinute()
    {
        // Wait for at least two closed minutes per host; by this step the cluster has usually run long enough.
        IReadOnlyList<StoredMinute> rows = [];
        await UntilAsync(
            async () =>
            {
                rows = await cluster.ReadMinutesAsync();
                return cluster.Hosts.All(h => rows.Where(r => r.HostId == h.HostId).Select(r => r.Minute).Distinct().Count() >= 2);
            },
            AggregateDeadline,
            "two closed minutes from every host");

        await using (var connection = new NpgsqlConnection(cluster.Postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var duplicates = new NpgsqlCommand(
                "SELECT count(*) FROM (SELECT 1 FROM minute_aggregates GROUP BY container_id, minute HAVING count(*) > 1) d;", connection);
            Assert.Equal(0L, (long)(await duplicates.ExecuteScalarAsync())!);
        }

        var now = DateTimeOffset.UtcNow;
        var closedMinutes = (int)((Minute(now) - Minute(cluster.StartedAt)).TotalMinutes);
        foreach (var host in cluster.Hosts)
        {
            foreach (var (name, id) in host.Containers)
            {
                var minutes = rows.Where(r => r.ContainerId == id).OrderBy(r => r.Minute).ToList();
                Assert.All(minutes, r => Assert.Equal(host.HostId, r.HostId));
                Assert.All(minutes, r => Assert.InRange(r.SampleCount, 1, 61));
                Assert.True(minutes.Count <= closedMinutes + 1, $"{name}: {minutes.Count} rows for {closedMinutes} closed minutes");
                if (host != cluster.Hosts[1] && name != "late-2")
                {
                    // Hosts whose silo ran throughout: one row per minute, no gap, full minutes in between.
                    Assert.True(minutes.Count >= 2, $"{name}: {minutes.Count} rows");
                    for (var i = 1; i < minutes.Count; i++)
                    {
                        Assert.Equal(minutes[i - 1].Minute.AddMinutes(1), minutes[i].Minute);
                    }

                    Assert.All(minutes.Skip(1).SkipLast(1), r => Assert.InRange(r.SampleCount, 45, 61));
                }
            }
        }

        Report($"minute_aggregates: {rows.Count} rows, {rows.Select(r => r.ContainerId).Distinct().Count()} containers on "
            + $"{rows.Select(r => r.HostId).Distinct().Count()} hosts, {closedMinutes} minutes closed since start, no duplicate (container, minute)");
    }

    [Fact, Step(10)]
    public async Task History_SameContainer_IdenticalFromBothApis()
    {
        var host = cluster.Hosts[2];
        var id = host.Containers[host.BusyName];
        var from = Minute(cluster.StartedAt).AddMinutes(-1);
        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        await UntilAsync(
            async () => (await ClusterFixture.GetHistoryAsync(Api1, id, from, to)).Points.Count >= 1,
            AggregateDeadline,
            "history rows for the busy container");

        var first = await ClusterFixture.GetHistoryAsync(Api1, id, from, to);
        var second = await ClusterFixture.GetHistoryAsync(Api2, id, from, to);
        Assert.Equal(first.Points, second.Points);
        Assert.All(first.Points, p => Assert.True(p.CpuPercentAvg > 0, $"busy container idle at {p.Minute}"));
        Report($"history of {id[..12]}: {first.Points.Count} identical minutes from api-1 and api-2");
    }

    private static DateTimeOffset Minute(DateTimeOffset time) =>
        new(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, TimeSpan.Zero);
}
