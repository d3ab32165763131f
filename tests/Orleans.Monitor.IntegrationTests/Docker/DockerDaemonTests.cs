using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Docker;

/// <summary><see cref="DockerDaemon"/> against a real private dockerd.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerDaemonTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly DockerDaemon _client = DockerTestClient.Create(engine);
    private readonly TestContainers _containers = new(engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task GetHostInfoAsync_RealEngine_MatchesDockerInfo()
    {
        var expected = (await engine.RunAsync("info", "--format", "{{.ID}}|{{.NCPU}}|{{.MemTotal}}|{{.ServerVersion}}")).Trim().Split('|');
        var apiVersion = (await engine.RunAsync("version", "--format", "{{.Server.APIVersion}}")).Trim();

        var host = await _client.GetHostInfoAsync("docker-api", CancellationToken.None);

        Assert.Equal(expected[0], host.HostId);
        Assert.Equal(expected[3], host.DockerVersion);
        // No version is requested, so the daemon's own API version is the one in use.
        Assert.Equal(apiVersion, host.ApiVersion);
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
        var id = await _containers.RunAsync(
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
        var id = await _containers.RunAsync(["--name", DockerTestClient.UniqueName("exit")], "sh", "-c", "exit 3");

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
    public async Task TcpHost_SameDaemon_AnswersCallsAndStreams()
    {
        await using var forwarder = new TcpToUnixForwarder(engine.Socket);
        using var tcp = DockerTestClient.Create(forwarder.DockerHost);
        using var cts = new CancellationTokenSource(Deadline);
        var expected = (await engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        var id = await _containers.RunAsync([], "sleep", "600");

        var host = await tcp.GetHostInfoAsync("docker-api", cts.Token);
        var listed = await tcp.ListContainersAsync(host.HostId, cts.Token);
        await using var frames = tcp.StreamStatsAsync(id, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.Equal(expected, host.HostId);
        Assert.Contains(listed, c => c.Id == id);
        Assert.True(await frames.MoveNextAsync());
        Assert.Equal(id, frames.Current.ID);
        await engine.RunAsync("rm", "-f", id);
    }

    [Fact]
    public async Task GetHostInfoAsync_NothingListeningOnTcpPort_ThrowsUnavailableNamingHost()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var host = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        using var client = DockerTestClient.Create(host);

        var ex = await Assert.ThrowsAsync<DockerUnavailableException>(() => client.GetHostInfoAsync("docker-api", CancellationToken.None));

        output.WriteLine(ex.Message);
        Assert.Equal(host, ex.Host);
        Assert.Contains("DOCKER_HOST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHostInfoAsync_NoDaemonAtSocket_ThrowsUnavailableNamingHost()
    {
        var host = "unix:///tmp/omd-missing-" + Guid.NewGuid().ToString("N")[..8] + ".sock";
        using var client = DockerTestClient.Create(host);

        var ex = await Assert.ThrowsAsync<DockerUnavailableException>(() => client.GetHostInfoAsync("docker-api", CancellationToken.None));

        output.WriteLine(ex.Message);
        Assert.Equal(host, ex.Host);
        Assert.Contains(host, ex.Message, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamContainerEventsAsync_NoDaemonAtSocket_ThrowsUnavailableNamingHost()
    {
        var host = "unix:///tmp/omd-missing-" + Guid.NewGuid().ToString("N")[..8] + ".sock";
        using var client = DockerTestClient.Create(host);
        using var cts = new CancellationTokenSource(Deadline);

        var ex = await Assert.ThrowsAsync<DockerUnavailableException>(async () =>
        {
            await foreach (var unused in client.StreamContainerEventsAsync(null, cts.Token))
            {
            }
        });

        Assert.Contains(host, ex.Message, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamStatsAsync_UnknownId_ThrowsNotFound()
    {
        using var cts = new CancellationTokenSource(Deadline);

        await Assert.ThrowsAsync<DockerNotFoundException>(async () =>
        {
            await foreach (var unused in _client.StreamStatsAsync("no-such-container-" + Guid.NewGuid().ToString("N"), cts.Token))
            {
            }
        });
    }

    [Fact]
    public async Task GetStatsOnceAsync_RunningContainer_ReturnsOneFrameWithZeroPrecpu()
    {
        var id = await _containers.RunAsync(["-m", "64m"], "sleep", "600");

        var frame = await _client.GetStatsOnceAsync(id, CancellationToken.None);

        Assert.Equal(id, frame.ID);
        Assert.True(frame.Read.Year > 1);
        Assert.True(frame.CPUStats?.SystemUsage > 0);
        Assert.Equal(64UL * 1024 * 1024, frame.MemoryStats?.Limit);
        Assert.True(frame.PreCPUStats?.SystemUsage is null or 0);
        await engine.RunAsync("rm", "-f", id);
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

        var id = await _containers.RunAsync(["--name", name], "true");
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

    [Fact]
    public async Task StreamContainerEventsAsync_ResumedFromCursor_ReplaysEventsMissedMeanwhile()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var name = DockerTestClient.UniqueName("resume");
        var since = (DateTimeOffset.UtcNow.AddSeconds(-1) - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;
        var live = new List<DockerEvent>();
        var watch = CollectAsync(since, name, live, "start", cts.Token);
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await watch;

        // Nobody is subscribed while the container dies and is removed.
        await engine.RunAsync("rm", "-f", id);
        var cursor = live[^1].TimeNano;
        var resumed = new List<DockerEvent>();
        await CollectAsync(cursor, name, resumed, "destroy", cts.Token);

        Assert.Equal(["create", "start"], live.Select(e => e.Action));
        var missed = resumed.Where(e => e.TimeNano > cursor).Select(e => e.Action).ToList();
        Assert.Contains("die", missed);
        Assert.Equal("destroy", missed[^1]);
        Assert.True(missed.IndexOf("die") < missed.IndexOf("destroy"));
        Assert.All(resumed, e => Assert.True(e.TimeNano >= cursor));
        Assert.All(resumed, e => Assert.Equal(id, e.ActorId));
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
