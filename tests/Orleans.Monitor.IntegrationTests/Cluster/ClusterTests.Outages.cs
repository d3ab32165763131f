using System.Globalization;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>Redis or PostgreSQL away for a minute, and the minute rows the silos write all along.</summary>
public sealed partial class ClusterTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    /// <summary>A closed minute reaches the table after the minute boundary, the writer's flush and, after an outage, its retry.</summary>
    private static readonly TimeSpan MinuteDeadline = TimeSpan.FromSeconds(180);

    [Fact, Step(6)]
    public Task RedisOutage_SixtySeconds_NoHostDownFramesAndMinutesGoOnApiStartedMeanwhileComesUp() => RunAsync(async () =>
    {
        await WaitAllHostsUpAsync();

        // The silo failures of the steps before leave parts of the grain directory under a lease (about 20 s) that
        // holds calls to the grains in them; the minutes audited here must hold this outage's effects only, so the
        // outage starts on the first minute boundary after that lease has run out.
        await DelayToMinuteAsync(DateTimeOffset.UtcNow + DirectoryLease);
        var generations = (await ClusterFixture.GetClusterAsync(Api1)).Silos.Where(s => s.Status == "active").Select(s => s.Silo).Order().ToList();
        await using var live1 = await ClusterFixture.WatchAllAsync(Api1);
        await using var live2 = await ClusterFixture.WatchAllAsync(Api2);
        var probe = new RestProbe(
            [.. cluster.Apis.SelectMany(api => cluster.Hosts.Select(h => (api, $"/api/hosts/{h.HostId}")))],
            RestProbe.HostStatusIs(HostStatus.Up));
        DateTimeOffset outageStart, outageEnd;
        ApiInstance late;
        try
        {
            outageStart = DateTimeOffset.UtcNow;
            await cluster.Redis.StopAsync(keepData: true);

            // An Api started now cannot reach the cluster: it keeps trying, and serves what PostgreSQL holds meanwhile.
            late = await cluster.StartApiAsync("api-late");
            var stored = await WaitStoredHostsAsync(late);
            Assert.All(stored, h => Assert.Equal(HostStatus.Unreachable, h.Status));
            var from = MinuteAudit.Floor(cluster.Minutes.InstalledAt).ToString("O", CultureInfo.InvariantCulture);
            var history = await ClusterFixture.GetAsync<ContainerHistory>(
                late, $"/api/containers/{cluster.Hosts[0].Containers[0]}/history?from={Uri.EscapeDataString(from)}&step=1m");
            Assert.NotEmpty(history.Points);
            var view = await ClusterFixture.GetClusterAsync(late);
            Assert.False(view.Connected);

            // The rest of the minute: everything keeps being checked while Redis is away.
            await cluster.UntilAsync(
                () => Task.FromResult(DateTimeOffset.UtcNow - outageStart >= Outage || probe.Failures.Count > 0 || late.Process.HasExited),
                Outage + Deadline,
                "the end of the outage");
            Assert.False(late.Process.HasExited, $"{late.Process.Name} exited with {late.Process.ExitCode} during the outage");
            Assert.True(probe.Failures.Count == 0, string.Join('\n', probe.Failures));
            await cluster.Redis.StartAsync();
            outageEnd = DateTimeOffset.UtcNow;
        }
        finally
        {
            await probe.DisposeAsync();
            await cluster.Redis.StartAsync();
        }

        Report($"Redis away {Seconds(outageEnd - outageStart)}: {probe.Calls} host reads on both Apis, {probe.Failures.Count} not 200/up, slowest {Seconds(probe.Slowest)}");
        Assert.True(probe.Failures.Count == 0, string.Join('\n', probe.Failures));
        foreach (var recorder in new[] { live1, live2 })
        {
            Assert.Null(recorder.Error);
            AssertFramesFlowed(recorder, cluster.Hosts, outageStart, outageEnd);
        }

        await cluster.WaitAllHostsUpAsync(late, Deadline);
        Report($"the Api started during the outage showed every host up {Seconds(DateTimeOffset.UtcNow - outageEnd)} after Redis returned");
        Assert.True((await ClusterFixture.GetClusterAsync(late)).Connected);

        // No silo was declared dead or restarted meanwhile: the same active silos, generations included.
        Assert.Equal(generations, (await ClusterFixture.GetClusterAsync(Api1)).Silos.Where(s => s.Status == "active").Select(s => s.Silo).Order());
        await AssertMinutesWrittenOnceAsync(outageStart, outageEnd, "Redis outage", fromOutageMinute: true);
    });

    [Fact, Step(7)]
    public Task PostgresOutage_SixtySeconds_MinuteRowsContiguousAndEachWrittenOnce() => RunAsync(async () =>
    {
        await WaitAllHostsUpAsync();
        await using var live = await ClusterFixture.WatchAllAsync(Api1);
        var outageStart = DateTimeOffset.UtcNow;
        await cluster.Postgres.StopAsync();
        DateTimeOffset outageEnd;
        try
        {
            await cluster.UntilAsync(
                () => Task.FromResult(DateTimeOffset.UtcNow - outageStart >= Outage || cluster.Hosts.Any(h => h.Silo!.HasExited)),
                Outage + Deadline,
                "the end of the outage");
        }
        finally
        {
            await cluster.Postgres.StartAsync();
            outageEnd = DateTimeOffset.UtcNow;
        }

        Assert.All(cluster.Hosts, h => Assert.False(h.Silo!.HasExited, $"{h}'s silo exited with {h.Silo.ExitCode} during the outage"));
        Assert.Null(live.Error);
        AssertFramesFlowed(live, cluster.Hosts, outageStart, outageEnd);
        await AssertMinutesWrittenOnceAsync(outageStart, outageEnd, "PostgreSQL outage");
    });

    [Fact, Step(9)]
    public Task MinuteRows_WholeRun_NoMinuteWrittenTwiceAndUndisturbedHostComplete() => RunAsync(async () =>
    {
        // Host 1's silo ran throughout: every minute of its containers since the cluster came up, each written once.
        var host = cluster.Hosts[0];
        var first = MinuteAudit.Floor(Max(host.UpSince, cluster.Minutes.InstalledAt)).AddMinutes(1);
        var last = MinuteAudit.Floor(DateTimeOffset.UtcNow).AddMinutes(-1);
        var rows = await WaitMinutesAsync(host.Containers, first, last);
        AssertEveryMinuteOnce(rows, host.Containers, first, last);

        var rewritten = await cluster.Minutes.ReadRewrittenAsync();
        var writes = await cluster.Minutes.CountAsync();
        Report($"minute rows of the whole run: {writes} writes recorded, {rewritten.Count} (container, minute) written more than once; "
            + $"{host}: {rows.Count} minutes {first:HH:mm}-{last:HH:mm}, samples {rows.Min(r => r.MaxSamples)}-{rows.Max(r => r.MaxSamples)}");
        Assert.True(rewritten.Count == 0, ClusterFixture.Describe(rewritten));
    });

    /// <summary>
    /// Every container of every host has each minute from the one before <paramref name="from"/> to the one holding
    /// <paramref name="to"/> written exactly once, holding a full minute of 1 s samples (minutes of a silo that came up
    /// meanwhile start after it came up).
    /// </summary>
    private async Task AssertMinutesWrittenOnceAsync(DateTimeOffset from, DateTimeOffset to, string what, bool fromOutageMinute = false)
    {
        var last = MinuteAudit.Floor(to);
        var report = new List<string>();
        foreach (var host in cluster.Hosts)
        {
            var before = fromOutageMinute ? MinuteAudit.Floor(from) : MinuteAudit.Floor(from).AddMinutes(-1);
            var first = Max(before, MinuteAudit.Floor(Max(host.UpSince, cluster.Minutes.InstalledAt)).AddMinutes(1));
            var rows = await WaitMinutesAsync(host.Containers, first, last);
            AssertEveryMinuteOnce(rows, host.Containers, first, last);
            report.Add($"{host.Number}: {rows.Count} rows {first:HH:mm}-{last:HH:mm} ({rows.Min(r => r.MaxSamples)}-{rows.Max(r => r.MaxSamples)} samples)");
        }

        Report($"minute rows around the {what}, each written once: {string.Join("; ", report)}");
    }

    private async Task<IReadOnlyList<MinuteWrites>> WaitMinutesAsync(List<string> containers, DateTimeOffset first, DateTimeOffset last)
    {
        IReadOnlyList<MinuteWrites> rows = [];
        await cluster.UntilAsync(
            async () =>
            {
                rows = await cluster.Minutes.ReadAsync(containers, first, last);
                return containers.All(c => rows.Any(r => r.ContainerId == c && r.Minute == last));
            },
            MinuteDeadline,
            $"the minute {last:HH:mm} of {containers.Count} containers in minute_aggregates",
            () => ClusterFixture.Describe(rows.TakeLast(6)));
        return rows;
    }

    private static void AssertEveryMinuteOnce(IReadOnlyList<MinuteWrites> rows, List<string> containers, DateTimeOffset first, DateTimeOffset last)
    {
        foreach (var container in containers)
        {
            for (var minute = first; minute <= last; minute = minute.AddMinutes(1))
            {
                var row = rows.SingleOrDefault(r => r.ContainerId == container && r.Minute == minute);
                var what = $"{container[..12]} at {minute:HH:mm}";
                Assert.True(row is not null, $"{what}: no row");
                Assert.True(row.Writes == 1, $"{what}: written {row.Writes} times ({row.MinSamples}-{row.MaxSamples} samples)");
                Assert.Equal(row.MaxSamples, row.StoredSamples);
                // One sample a second: a full minute holds about 60; a minute split or partly lost holds fewer.
                Assert.True(row.MaxSamples is >= 45 and <= 61, $"{what}: {row.MaxSamples} samples, not 45-61");
            }
        }
    }

    /// <summary>
    /// How long the distributed grain directory holds the ranges a dead silo owned (Orleans' lease is 20 s after the
    /// silo is declared dead), with a margin.
    /// </summary>
    private static readonly TimeSpan DirectoryLease = TimeSpan.FromSeconds(25);

    /// <summary>Waits until the first minute boundary at or after <paramref name="notBefore"/>, plus a second.</summary>
    private static Task DelayToMinuteAsync(DateTimeOffset notBefore)
    {
        var boundary = MinuteAudit.Floor(notBefore);
        if (boundary < notBefore)
        {
            boundary = boundary.AddMinutes(1);
        }

        var wait = boundary.AddSeconds(1) - DateTimeOffset.UtcNow;
        return wait > TimeSpan.Zero ? Task.Delay(wait) : Task.CompletedTask;
    }

    /// <summary>Polls an Api that is not connected until it lists the stored hosts (it reads them from PostgreSQL).</summary>
    private async Task<IReadOnlyList<HostSummary>> WaitStoredHostsAsync(ApiInstance api)
    {
        IReadOnlyList<HostSummary> last = [];
        await cluster.UntilAsync(
            async () =>
            {
                last = await ClusterFixture.GetHostsAsync(api);
                return cluster.Hosts.All(h => last.Any(s => s.HostId == h.HostId));
            },
            Deadline,
            $"{api.Process.Name} to list the stored hosts",
            () => ClusterFixture.Describe(last));
        return [.. last.Where(s => cluster.Hosts.Any(h => h.HostId == s.HostId))];
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
