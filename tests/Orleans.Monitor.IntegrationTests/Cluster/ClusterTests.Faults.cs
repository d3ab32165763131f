using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>Silos that are alive in membership but hang or answer garbage.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(5)]
    public async Task FaultySilos_HangOrGarbage_HostsUnreachableOthersKeepStreaming()
    {
        await WaitAllHostsUpAsync(Api1);
        var before = await ClusterFixture.GetHostsAsync(Api1);
        await using var hanging = await FakeSilo.JoinAsync("hang", FakeSiloBehavior.Hang, cluster.Postgres.ConnectionString);
        await using var garbage = await FakeSilo.JoinAsync("garbage", FakeSiloBehavior.Garbage, cluster.Postgres.ConnectionString);
        var watch = Watch();

        await UntilAsync(
            async () =>
            {
                var hosts = await ClusterFixture.GetHostsAsync(Api1);
                return hosts.Any(h => h.HostId == hanging.HostId && h.Status == "unreachable")
                    && hosts.Any(h => h.HostId == garbage.HostId && h.Status == "unreachable");
            },
            Deadline,
            "both fake silos' hosts to show unreachable");
        Report($"faulty silos: hanging and garbage hosts unreachable on api-1 {Ms(watch.Elapsed)} after they joined");

        // The real hosts kept streaming meanwhile: still up, and seen after the fakes joined.
        var after = await ClusterFixture.GetHostsAsync(Api1);
        foreach (var host in cluster.Hosts)
        {
            Assert.Equal("up", Host(after, host).Status);
            Assert.True(Host(after, host).LastSeen > Host(before, host).LastSeen, $"{host.SiloId} stopped streaming");
        }

        Assert.True(hanging.Endpoint.Connections > 0 && garbage.Endpoint.Connections > 0);
        await UntilAsync(
            () => Task.FromResult(
                Api1.Process.ReadStdout().Contains($"Silo {hanging.SiloId} at {hanging.Endpoint.Url}", StringComparison.Ordinal)
                && Api1.Process.ReadStdout().Contains($"Silo {garbage.SiloId} at {garbage.Endpoint.Url}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            "api-1 to log both faulty silos");

        // The Api stays fully usable.
        Assert.NotEmpty(await ClusterFixture.GetContainersAsync(Api1));
        Assert.Contains((await ClusterFixture.GetClusterAsync(Api1)).Silos, s => s.SiloId == hanging.SiloId && s.Alive);
    }
}
