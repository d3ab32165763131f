using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>The co-hosted silo outlives its Docker daemon: stopped and started again, or not there yet at start.</summary>
[Collection(DockerFaultsCollection.Name)]
public sealed class DockerHostRecoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task DaemonRestart_SameApp_RecoversWithoutDuplicates()
    {
        var engine = new DockerEngine();
        try
        {
            await ((IAsyncLifetime)engine).InitializeAsync();
            var hostId = (await engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
            await using var app = new MonitorApp(engine.DockerHost, kestrel: false, configureServices: RecordingSink.Register);
            await app.StartAsync();
            using var client = app.CreateApiClient();
            await WaitForHostAsync(client, hostId, HostStatus.Up);
            var before = await engine.RunContainerAsync(["--name", LiveApi.UniqueName("pre")], "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done");
            await WaitForContainerAsync(client, before, ContainerState.Running);

            var frames = app.Services.GetRequiredService<LiveFrames>();
            var sequenceBefore = frames.Get(hostId)!.Sequence;
            var clock = Stopwatch.StartNew();
            await engine.StopAsync();
            var stopped = clock.Elapsed;
            var lost = await WaitForHostAsync(client, hostId, HostStatus.Unreachable);
            var noticed = clock.Elapsed;
            await engine.StartAsync();
            var restarted = clock.Elapsed;
            await WaitForHostAsync(client, hostId, HostStatus.Up);
            var recovered = clock.Elapsed;
            var after = await engine.RunContainerAsync(["--name", LiveApi.UniqueName("post")], "sleep", "600");
            var seenAfter = await WaitForContainerAsync(client, after, ContainerState.Running);

            output.WriteLine(FormattableString.Invariant(
                $"dockerd stopped in {stopped.TotalSeconds:0.0} s; unreachable seen {(noticed - stopped).TotalSeconds:0.0} s later (error: {lost.Error}); dockerd ready {(restarted - noticed).TotalSeconds:0.0} s later; host up again {(recovered - restarted).TotalSeconds:0.0} s after dockerd answered; container started after restart listed"));
            Assert.Contains("DOCKER_HOST", lost.Error, StringComparison.Ordinal);
            Assert.Equal(hostId, seenAfter.Container.HostId);

            // The container that was running across the restart is now exited (dockerd stopped it), not lost or duplicated.
            var beforeNow = await WaitForContainerAsync(client, before, ContainerState.Exited);
            Assert.Equal(hostId, beforeNow.Container.HostId);

            // No minute was handed to the writer twice, across the restart.
            var sink = app.Services.GetRequiredService<RecordingSink>();
            output.WriteLine($"minutes handed: {string.Join(", ", sink.Minutes.Select(m => $"{m.ContainerId[..12]}@{m.Minute:HH:mm}"))}");
            Assert.All(
                sink.Minutes.GroupBy(m => (m.ContainerId, m.Minute)),
                g => Assert.True(g.Count() == 1, $"{g.Key.ContainerId[..12]} minute {g.Key.Minute:HH:mm} handed {g.Count()} times"));
            var hosts = await MonitorApp.GetJsonAsync<HostSummary[]>(client, "/api/hosts");
            Assert.Equal(hostId, Assert.Single(hosts).HostId);
            var management = app.Services.GetRequiredService<ClusterConnection>().Grains!.GetGrain<IManagementGrain>(0);
            var hostGrains = await management.GetActiveGrains(GrainType.Create("host"));
            Assert.Equal(hostId, Assert.Single(hostGrains).Key.ToString());

            // The same activation throughout: a new one would number its frames from 1 again.
            var sequenceAfter = frames.Get(hostId)!.Sequence;
            output.WriteLine($"host frame sequence {sequenceBefore} before the restart, {sequenceAfter} after");
            Assert.True(sequenceAfter > sequenceBefore, $"sequence {sequenceAfter} after the restart, {sequenceBefore} before");
        }
        finally
        {
            await ((IAsyncLifetime)engine).DisposeAsync();
        }
    }

    [Fact]
    public async Task DockerUnreachableAtStart_DaemonAppears_RealHostShowsUp()
    {
        // Constructing the engine only picks its paths; nothing listens on its socket until it is initialized.
        var engine = new DockerEngine();
        try
        {
            await using var app = new MonitorApp(engine.DockerHost, kestrel: false);
            await app.StartAsync();
            using var client = app.CreateApiClient();

            var unreachable = await Eventually.GetJsonAsync<HostSummary[]>(
                client, "/api/hosts", hosts => hosts.Length == 1 && hosts[0].Status == HostStatus.Unreachable, Deadline, "one unreachable host");
            output.WriteLine("before the daemon: " + unreachable[0].HostId + ": " + unreachable[0].Error);
            Assert.Contains(engine.DockerHost, unreachable[0].Error, StringComparison.Ordinal);
            Assert.Contains("DOCKER_HOST", unreachable[0].Error, StringComparison.Ordinal);
            Assert.Null(unreachable[0].Host);
            var cluster = await MonitorApp.GetJsonAsync<ClusterView>(client, "/api/cluster");
            Assert.False(cluster.Connected);
            Assert.Empty(cluster.Silos);

            var clock = Stopwatch.StartNew();
            await ((IAsyncLifetime)engine).InitializeAsync();
            var ready = clock.Elapsed;
            var hostId = (await engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
            var hosts = await Eventually.GetJsonAsync<HostSummary[]>(
                client, "/api/hosts", list => list.Length == 1 && list[0].HostId == hostId && list[0].Status == HostStatus.Up, Deadline, "the real host alone and up");
            output.WriteLine(FormattableString.Invariant(
                $"dockerd ready after {ready.TotalSeconds:0.0} s; host {hostId} up {(clock.Elapsed - ready).TotalSeconds:0.0} s later"));
            var id = await engine.RunContainerAsync(["--name", LiveApi.UniqueName("late")], "sleep", "600");
            await WaitForContainerAsync(client, id, ContainerState.Running);
            Assert.Null(hosts[0].Error);
        }
        finally
        {
            await ((IAsyncLifetime)engine).DisposeAsync();
        }
    }

    private static Task<HostSummary> WaitForHostAsync(HttpClient client, string hostId, string status) =>
        Eventually.GetJsonAsync<HostSummary>(client, "/api/hosts/" + hostId, h => h.Status == status, Deadline, $"host {hostId} to be {status}", HttpStatusCode.NotFound);

    private static Task<ContainerLive> WaitForContainerAsync(HttpClient client, string id, string state) =>
        Eventually.GetJsonAsync<ContainerLive>(client, "/api/containers/" + id, c => c.Container.State == state, Deadline, $"{id[..12]} to be {state}", HttpStatusCode.NotFound);
}

/// <summary>Tests that stop and start their own engines; separate from the shared live engine.</summary>
[CollectionDefinition(Name)]
public sealed class DockerFaultsCollection
{
    public const string Name = "docker-faults";
}
