using System.Globalization;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerClientTests(DockerEngine engine) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly DockerClient _client = DockerTestClient.Create(engine);

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task GetApiVersionAsync_Engine2010_UsesServerVersion()
    {
        var server = (await engine.RunAsync("version", "--format", "{{.Server.APIVersion}}")).Trim();

        var version = await _client.GetApiVersionAsync(CancellationToken.None);

        Assert.True(DockerApiVersion.TryParse(server, out var expected));
        Assert.Equal(DockerApiVersion.Negotiate(expected), version);
        Assert.True(version >= DockerApiVersion.Minimum);
    }

    [Fact]
    public async Task GetHostInfoAsync_RealEngine_MatchesDockerInfo()
    {
        var expected = (await engine.RunAsync("info", "--format", "{{.ID}}|{{.NCPU}}|{{.MemTotal}}")).Trim().Split('|');

        var host = await _client.GetHostInfoAsync("docker-api", CancellationToken.None);

        Assert.Equal(expected[0], host.HostId);
        Assert.Equal(int.Parse(expected[1], CultureInfo.InvariantCulture), host.Cpus);
        Assert.Equal(long.Parse(expected[2], CultureInfo.InvariantCulture), host.MemoryTotalBytes);
        Assert.Equal("docker-api", host.StatsSource);
        Assert.NotEmpty(host.DockerVersion);
        Assert.True(host.CgroupVersion is "1" or "2", host.CgroupVersion);
    }

    [Fact]
    public async Task ListAndInspect_RunningContainerWithLimits_MapsMetadata()
    {
        var name = DockerTestClient.UniqueName("meta");
        var id = await engine.RunContainerAsync(
            ["--name", name, "--cpus", "0.5", "-m", "64m", "--label", "com.docker.compose.project=demo",
             "--label", "com.docker.compose.service=idle"],
            "sleep", "600");

        var listed = Assert.Single(await _client.ListContainersAsync("h1", CancellationToken.None), c => c.Id == id);
        var details = await _client.InspectContainerAsync(id, "h1", CancellationToken.None);

        Assert.Equal(name, listed.Name);
        Assert.Equal("h1", listed.HostId);
        Assert.Equal(DockerEngine.BusyboxImage, listed.Image);
        Assert.Equal(ContainerState.Running, listed.State);
        Assert.Equal("demo", listed.ComposeProject);
        Assert.Equal("idle", listed.ComposeService);
        Assert.Equal(name, details.Info.Name);
        Assert.Equal(DockerEngine.BusyboxImage, details.Info.Image);
        Assert.Equal(ContainerState.Running, details.Info.State);
        Assert.Equal("demo", details.Info.ComposeProject);
        Assert.NotNull(details.Info.StartedAt);
        Assert.Null(details.Info.FinishedAt);
        Assert.Null(details.Info.ExitCode);
        Assert.True(details.Pid > 0);
        Assert.Equal(500_000_000, details.NanoCpus);
        Assert.Equal(0.5, details.CpuLimitCores);
        Assert.Equal(64L * 1024 * 1024, details.MemoryLimitBytes);
        Assert.Equal(listed.Created, details.Info.Created, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ListAndInspect_ExitedContainer_ReportsExitCodeAndFinishedAt()
    {
        var id = await engine.RunContainerAsync(["--name", DockerTestClient.UniqueName("exit")], "sh", "-c", "exit 3");

        var details = await DockerTestClient.EventuallyAsync(
            () => _client.InspectContainerAsync(id, "h1", CancellationToken.None),
            d => d.Info.State == ContainerState.Exited, Deadline, "the container to exit");
        var listed = Assert.Single(await _client.ListContainersAsync("h1", CancellationToken.None), c => c.Id == id);

        Assert.Equal(3, details.Info.ExitCode);
        Assert.NotNull(details.Info.FinishedAt);
        Assert.Equal(0, details.Pid);
        Assert.Equal(ContainerState.Exited, listed.State);
        Assert.Equal(3, listed.ExitCode);
    }

    [Fact]
    public async Task InspectContainerAsync_UnknownId_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<DockerNotFoundException>(
            () => _client.InspectContainerAsync("no-such-container-" + Guid.NewGuid().ToString("N"), "h1", CancellationToken.None));
    }

    [Fact]
    public async Task GetApiVersionAsync_NoDaemonAtSocket_ThrowsUnavailableNamingHost()
    {
        var host = "unix:///tmp/omd-missing-" + Guid.NewGuid().ToString("N")[..8] + ".sock";
        using var client = DockerTestClient.Create(host);

        var ex = await Assert.ThrowsAsync<DockerUnavailableException>(() => client.GetApiVersionAsync(CancellationToken.None).AsTask());

        Assert.Equal(host, ex.Host);
        Assert.Contains(host, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamContainerEventsAsync_RunThenRemove_SeesLifecycleInOrder()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var name = DockerTestClient.UniqueName("events");
        // Replay from slightly before now, so events that happen before the subscription lands are not missed.
        var since = (DateTimeOffset.UtcNow.AddSeconds(-1) - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;
        var seen = new List<DockerEvent>();
        var watch = CollectAsync(since, name, seen, "destroy", cts.Token);

        var id = await engine.RunContainerAsync(["--name", name], "true");
        await DockerTestClient.EventuallyAsync(
            () => _client.InspectContainerAsync(id, "h1", cts.Token),
            d => d.Info.State == ContainerState.Exited, Deadline, "the container to exit");
        await engine.RunAsync("rm", id);
        await watch;

        var actions = seen.Where(e => e.ActorId == id).Select(e => e.Action).ToList();
        Assert.Equal(["create", "start", "die", "destroy"], actions);
        Assert.Equal("0", seen.Single(e => e.Action == "die").Attributes["exitCode"]);
        Assert.All(seen, e => Assert.Equal("container", e.Type));

        // Resume: a new subscription from the create event replays the same sequence from the daemon's buffer.
        var create = seen.Single(e => e.Action == "create");
        var replayed = new List<DockerEvent>();
        await CollectAsync(create.TimeNano, name, replayed, "destroy", cts.Token);
        Assert.Equal(actions, replayed.Where(e => e.ActorId == id).Select(e => e.Action));
        Assert.All(replayed, e => Assert.True(e.TimeNano >= create.TimeNano));
    }

    private async Task CollectAsync(long since, string name, List<DockerEvent> into, string untilAction, CancellationToken cancellationToken)
    {
        await foreach (var dockerEvent in _client.StreamContainerEventsAsync(since, cancellationToken))
        {
            if (dockerEvent.Attributes.GetValueOrDefault("name") != name)
            {
                continue;
            }

            into.Add(dockerEvent);
            if (dockerEvent.Action == untilAction)
            {
                return;
            }
        }
    }
}
