using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>What the Apis show of the cluster: hosts, containers, live frames.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(1)]
    public async Task Hosts_ThreeSilos_EachEngineListedOnceWithItsContainers()
    {
        foreach (var api in cluster.Apis)
        {
            await WaitAllHostsUpAsync(api);
            var hosts = await ClusterFixture.GetHostsAsync(api);
            var containers = await ClusterFixture.GetContainersAsync(api);
            foreach (var host in cluster.Hosts)
            {
                var summary = Host(hosts, host);
                Assert.Equal("up", summary.Status);
                Assert.NotNull(summary.LastSeen);
                Assert.Equal(host.HostId, summary.Host?.HostId);

                var listed = containers.Where(c => c.Container.HostId == host.HostId).Select(c => c.Container.Id).ToHashSet();
                Assert.Superset(new HashSet<string> { host.Containers[host.IdleName], host.Containers[host.BusyName] }, listed);
                Assert.Subset(host.Containers.Values.ToHashSet(), listed);
            }

            // Nothing but the three engines (and fake silos other tests register) is a host.
            Assert.All(hosts, h => Assert.True(
                cluster.Hosts.Any(c => c.HostId == h.HostId) || h.HostId.StartsWith(FakeSilo.HostPrefix, StringComparison.Ordinal),
                $"unexpected host {h.HostId}"));
        }
    }

    [Fact, Step(2)]
    public async Task Containers_StartedOnEngine2_AppearsInClusterView()
    {
        var host = cluster.Hosts[1];
        var watch = Watch();
        var id = await host.Engine.RunContainerAsync(["--name", "late-2"], "sleep", "100000");
        var started = watch.Elapsed;
        host.Containers["late-2"] = id;

        await UntilAsync(
            async () => (await ClusterFixture.GetContainersAsync(Api1)).Any(c => c.Container.Id == id && c.Container.HostId == host.HostId),
            Deadline,
            "the new container in api-1's /api/containers");
        var seenApi1 = watch.Elapsed;
        await UntilAsync(
            async () => (await ClusterFixture.GetContainersAsync(Api2)).Any(c => c.Container.Id == id && c.Container.HostId == host.HostId),
            Deadline,
            "the new container in api-2's /api/containers");
        var seenApi2 = watch.Elapsed;

        Report($"container start -> cluster view: api-1 {Ms(seenApi1)}, api-2 {Ms(seenApi2)} after `docker run` began "
            + $"({Ms(seenApi1 - started)} after it returned; target 3 s)");
        Assert.True(seenApi1 < TimeSpan.FromSeconds(20), $"took {seenApi1}");
    }

    [Fact, Step(3)]
    public async Task LiveFrames_OverSignalRWebSocket_ArriveWithinSeconds()
    {
        await using var stream = await ClusterFixture.WatchAllAsync(Api1);
        // The first items are the snapshot (the latest frame of each host, up to a second old): skip them.
        for (var i = 0; i < ClusterFixture.HostCount; i++)
        {
            await stream.NextAsync(TimeSpan.FromSeconds(10));
        }

        var latencies = new List<double>();
        var perHost = new Dictionary<string, int>(StringComparer.Ordinal);
        while (latencies.Count < 30)
        {
            var (frame, arrived) = await stream.NextAsync(TimeSpan.FromSeconds(10));
            if (frame.Status != "up" || cluster.Hosts.All(h => h.HostId != frame.HostId))
            {
                continue;
            }

            latencies.Add((arrived - frame.Timestamp).TotalMilliseconds);
            perHost[frame.HostId] = perHost.GetValueOrDefault(frame.HostId) + 1;
        }

        Report($"live latency silo frame timestamp -> arrival on api-1's SignalR WebSocket over {latencies.Count} frames: "
            + $"median {Ms(Median(latencies))}, worst {Ms(latencies.Max())}, best {Ms(latencies.Min())}");
        Assert.Equal(ClusterFixture.HostCount, perHost.Count);
        Assert.True(Median(latencies) < 3000, $"median {Median(latencies)} ms");
    }

    [Fact, Step(4)]
    public async Task LiveSamples_SameContainer_DeliveredByBothApis()
    {
        var host = cluster.Hosts[0];
        var id = host.Containers[host.BusyName];
        await using var first = await HubStream.OpenAsync<ContainerFrame>(new Uri(Api1.BaseAddress, "/hubs/live"), "WatchContainer", [id], CancellationToken.None);
        await using var second = await HubStream.OpenAsync<ContainerFrame>(new Uri(Api2.BaseAddress, "/hubs/live"), "WatchContainer", [id], CancellationToken.None);

        var fromFirst = await SampleTimesAsync(first, 5);
        var fromSecond = await SampleTimesAsync(second, 5);

        // Both Apis follow the same silo, so they hand out the very same samples.
        Assert.NotEmpty(fromFirst.Intersect(fromSecond));
        Report($"WatchContainer {id[..12]}: api-1 and api-2 delivered {fromFirst.Count} and {fromSecond.Count} points, {fromFirst.Intersect(fromSecond).Count()} identical");
    }

    private static async Task<HashSet<DateTimeOffset>> SampleTimesAsync(HubStream<ContainerFrame> stream, int points)
    {
        var (snapshot, _) = await stream.NextAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(snapshot.Window);
        var times = snapshot.Window.Select(p => p.Timestamp).ToHashSet();
        var fresh = 0;
        while (fresh < points)
        {
            var (frame, _) = await stream.NextAsync(TimeSpan.FromSeconds(10));
            if (frame.Point is { } point)
            {
                Assert.True(point.CpuPercent >= 0);
                times.Add(point.Timestamp);
                fresh++;
            }
        }

        return times;
    }
}
