using System.Diagnostics;
using System.Globalization;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>What the Apis show of a healthy cluster: hosts, silos, containers, live frames.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(1)]
    public Task Hosts_ThreeSilos_UpOnBothApisAndActiveInClusterView() => RunAsync(async () =>
    {
        await WaitAllHostsUpAsync();
        foreach (var api in cluster.Apis)
        {
            var hosts = await ClusterFixture.GetHostsAsync(api);
            // Nothing but the three engines is a host, each listed once with its daemon's facts and its containers.
            Assert.Equal(cluster.Hosts.Select(h => h.HostId).Order(), hosts.Select(h => h.HostId).Order());
            foreach (var host in cluster.Hosts)
            {
                var summary = Single(hosts, host);
                Assert.Equal(HostStatus.Up, summary.Status);
                Assert.Equal(host.HostId, summary.Host?.HostId);
                Assert.NotNull(summary.LastSeen);
                Assert.True(summary.ContainersRunning >= host.Containers.Count, $"{host}: {summary.ContainersRunning} running on {api.Process.Name}");
            }

            var view = await ClusterFixture.GetClusterAsync(api);
            Assert.Equal("cluster", view.Mode);
            Assert.True(view.Connected, view.Error);
            var active = view.Silos.Where(s => s.Status == "active").ToList();
            Assert.Equal(ClusterFixture.HostCount, active.Count);
            foreach (var host in cluster.Hosts)
            {
                var silo = Assert.Single(active, s => s.HostId == host.HostId);
                Assert.True(silo.Alive);
                Assert.Equal($"127.0.0.1:{host.SiloPort}", silo.Endpoint);
            }
        }
    });

    [Fact, Step(2)]
    public Task Containers_StartedOnEngine2_AppearOnBothApis() => RunAsync(async () =>
    {
        var host = cluster.Hosts[1];
        await WaitAllHostsUpAsync();
        var watch = Stopwatch.StartNew();
        var id = await host.Engine.RunContainerAsync(["--name", "late-2"], "sleep", "100000");
        try
        {
            var seen = new List<string>();
            foreach (var api in cluster.Apis)
            {
                // Re-listing runs every 10 min here, so only the daemon's events can bring the container in.
                await cluster.UntilAsync(
                    async () => (await ClusterFixture.GetContainersAsync(api)).Any(c =>
                        c.Container.Id == id && c.Container.HostId == host.HostId && c.Container.State == ContainerState.Running),
                    Deadline,
                    $"the new container in {api.Process.Name}'s /api/containers");
                seen.Add($"{api.Process.Name} {Seconds(watch.Elapsed)}");
            }

            Report($"container started on engine 2 -> listed by both Apis after `docker run` began: {string.Join(", ", seen)}");
        }
        finally
        {
            await host.Engine.RunAsync("rm", "-f", id);
        }
    });

    [Fact, Step(3)]
    public Task LiveFrames_WatchAllOnEachApi_ArriveForEveryHost() => RunAsync(async () =>
    {
        await WaitAllHostsUpAsync();
        foreach (var api in cluster.Apis)
        {
            await using var recorder = await ClusterFixture.WatchAllAsync(api);
            var opened = DateTimeOffset.UtcNow;
            // Frames stamped after the stream opened: pushed by the host grains, not the snapshot it began with.
            await cluster.UntilAsync(
                () => Task.FromResult(recorder.Error is null && cluster.Hosts.All(h => recorder.Frames.Count(f =>
                    f.Frame.HostId == h.HostId && f.Frame.Timestamp > opened && f.Frame.Status == HostStatus.Up) >= 3)),
                Deadline,
                $"three fresh frames of every host on {api.Process.Name}'s WatchAll stream",
                () => recorder.Error?.Message ?? $"{recorder.Frames.Count} frames");
            Assert.Null(recorder.Error);

            var fresh = recorder.Frames.Where(f => f.Frame.Timestamp > opened).ToList();
            Assert.All(fresh, f => Assert.Contains(cluster.Hosts, h => h.HostId == f.Frame.HostId));
            var latencies = fresh.Select(f => (f.Arrived - f.Frame.Timestamp).TotalMilliseconds).ToList();
            Report($"WatchAll on {api.Process.Name}: {fresh.Count} fresh frames of {ClusterFixture.HostCount} hosts, host grain timestamp -> arrival "
                + $"median {Median(latencies).ToString("F0", CultureInfo.InvariantCulture)} ms, max {latencies.Max().ToString("F0", CultureInfo.InvariantCulture)} ms");
        }
    });
}
