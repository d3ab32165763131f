using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Cluster;

public sealed partial class ClusterTests
{
    /// <summary>
    /// One Compose service and one Swarm service, each with members on two engines (labelled plain containers: the
    /// grouping reads only the labels, so no real Swarm is needed for it), as both Apis see them.
    /// </summary>
    [Fact, Step(3)]
    public Task Services_MembersOnTwoEngines_OneAggregateOnBothApis() => RunAsync(async () =>
    {
        await WaitAllHostsUpAsync();
        var project = "shop-" + Guid.NewGuid().ToString("N")[..6];
        var swarm = "svc-" + Guid.NewGuid().ToString("N")[..6];
        string[] Compose(params string[] more) =>
            ["--label", "com.docker.compose.project=" + project, "--label", "com.docker.compose.service=web", .. more];
        var started = new List<(ClusterHost Host, string Id)>();
        async Task<string> StartAsync(ClusterHost host, string[] options, params string[] command)
        {
            var id = await host.Engine.RunContainerAsync(options, command);
            started.Add((host, id));
            return id;
        }

        try
        {
            var busy = await StartAsync(cluster.Hosts[0], Compose("--cpus", "0.2"), "sh", "-c", "while :; do :; done");
            var sick = await StartAsync(cluster.Hosts[0], Compose("--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1"), "sleep", "100000");
            var idle = await StartAsync(cluster.Hosts[1], Compose(), "sleep", "100000");
            var task1 = await StartAsync(cluster.Hosts[1], ["--label", "com.docker.swarm.service.name=" + swarm], "sleep", "100000");
            var task2 = await StartAsync(cluster.Hosts[2], ["--label", "com.docker.swarm.service.name=" + swarm], "sleep", "100000");

            foreach (var api in cluster.Apis)
            {
                ServiceDetail? detail = null;
                await cluster.UntilAsync(
                    async () =>
                    {
                        var listed = await ClusterFixture.GetAsync<ServiceSummary[]>(api, "/api/services?kind=compose");
                        if (!listed.Any(s => s.Name == project + "/web"))
                        {
                            return false;
                        }

                        detail = await ClusterFixture.GetAsync<ServiceDetail>(api, $"/api/services/compose/{project}/web");
                        return detail.Members.Count == 3 && detail.Members.All(m => m.Sample is not null) && detail.Service.Health == "unhealthy";
                    },
                    Deadline,
                    $"{project}/web on {api.Process.Name}: three sampled members, one unhealthy",
                    () => ClusterFixture.Describe(detail));

                var service = detail!.Service;
                var samples = detail.Members.Select(m => m.Sample!).ToList();
                Assert.Equal(new[] { busy, sick, idle }.Order(StringComparer.Ordinal), detail.Members.Select(m => m.Container.Id).Order(StringComparer.Ordinal));
                Assert.Equal(
                    new[] { (cluster.Hosts[0].HostId, 2), (cluster.Hosts[1].HostId, 1) }.OrderBy(h => h.HostId, StringComparer.Ordinal),
                    service.Hosts.Select(h => (h.HostId, h.ContainersTotal)).OrderBy(h => h.HostId, StringComparer.Ordinal));
                Assert.All(detail.Members, m => Assert.Equal(m.Container.HostId, m.HostId));
                Assert.Equal((3, 3, false), (service.ContainersRunning, service.ContainersTotal, service.Incomplete));
                Assert.All(service.Hosts, h => Assert.Equal(HostStatus.Up, h.Status));
                Assert.Equal(samples.Sum(s => s.CpuPercent), service.CpuPercent, 6);
                Assert.Equal(samples.Sum(s => s.MemoryUsedBytes), service.MemoryUsedBytes);
                Assert.Equal(samples.Sum(s => s.Pids), service.Pids);
                Assert.Equal(samples.Sum(s => s.BlockWriteBytesPerSecond), service.BlockWriteBytesPerSecond, 6);
                Report(FormattableString.Invariant(
                    $"{api.Process.Name}: {project}/web on {service.Hosts.Count} hosts, {service.CpuPercent:0.0} % CPU, {service.MemoryUsedBytes} B"));

                ServiceDetail? tasks = null;
                await cluster.UntilAsync(
                    async () =>
                    {
                        var listed = await ClusterFixture.GetAsync<ServiceSummary[]>(api, "/api/services?kind=swarm");
                        tasks = listed.Any(s => s.Name == swarm) ? await ClusterFixture.GetAsync<ServiceDetail>(api, "/api/services/swarm/" + swarm) : null;
                        return tasks?.Members.Count == 2;
                    },
                    Deadline,
                    $"{swarm} on {api.Process.Name}: both tasks",
                    () => ClusterFixture.Describe(tasks));
                Assert.Equal(new[] { task1, task2 }.Order(StringComparer.Ordinal), tasks!.Members.Select(m => m.Container.Id).Order(StringComparer.Ordinal));
                Assert.Equal(
                    new[] { cluster.Hosts[1].HostId, cluster.Hosts[2].HostId }.Order(StringComparer.Ordinal),
                    tasks.Service.Hosts.Select(h => h.HostId).Order(StringComparer.Ordinal));
                Assert.Null(tasks.Service.Health);
            }
        }
        finally
        {
            foreach (var (host, id) in started)
            {
                await host.Engine.RunAsync("rm", "-f", id);
            }
        }
    });
}
