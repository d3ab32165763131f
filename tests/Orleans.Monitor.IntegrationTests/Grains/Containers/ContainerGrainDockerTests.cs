using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Cgroup;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Sqlite;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Grains.Containers;

/// <summary>
/// A container's grain lifecycle against a real dockerd: the silo of host A declares the engine's daemon ID and runs
/// the real <see cref="DaemonWatcher"/> with the cgroup source, as a production silo does. Listing is slowed to once a
/// day, so only Docker's events can bring the changes.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerGrainDockerTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // The watcher reads what the store holds for its daemon at start; an empty SQLite file here.
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omgrain-" + Guid.NewGuid().ToString("N")[..10]);
    private TwoHostCluster? _cluster;
    private WatchedDaemon? _daemon;

    private TwoHostCluster Cluster => _cluster!;

    private string HostId => _daemon!.HostId;

    public async Task InitializeAsync()
    {
        var docker = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Docker:Host"] = engine.DockerHost }).Build();
        _daemon = await DaemonIdentity.ResolveAsync(docker, NullLoggerFactory.Instance, retry: false, CancellationToken.None);
        var daemon = _daemon;
        var store = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = _dataPath }));
        await store.InitializeAsync(CancellationToken.None);
        _cluster = TwoHostCluster.With(new TwoHostClusterOptions
        {
            HostA = daemon.HostId,
            FakeClock = false,
            ConfigureSilo = (hostId, services, _) =>
            {
                if (hostId != daemon.HostId)
                {
                    return;
                }

                services.AddSingleton(daemon);
                services.AddSingleton<IMonitorStore>(store);
                services.AddDockerDaemon(docker);
                services.AddOptions<CgroupOptions>();
                services.AddSingleton<HostCpuClock>();
                services.AddSingleton<CgroupStatsSource>();
                services.AddSingleton<IStatsSource>(sp => sp.GetRequiredService<CgroupStatsSource>());
                services.Configure<HostWatchOptions>(o =>
                {
                    o.ReconcileInterval = TimeSpan.FromDays(1);
                    o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(200);
                });
                services.AddHostedService<DaemonWatcher>();
            },
        });
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataPath, recursive: true);
    }

    [Fact]
    public async Task SampleAsync_RealBusyContainerStartedStoppedRemoved_FramesShowItsCpuThenExitCodeThenNothing()
    {
        var recorder = new FrameRecorder();
        var observer = Cluster.Client.CreateObjectReference<IHostFrameObserver>(recorder);
        await Cluster.Host(HostId).SubscribeAsync(observer);
        var up = await recorder.WaitForAsync(f => f.Status == HostStatus.Up, Deadline, "the host up");
        Assert.Equal("cgroup", up.Host?.StatsSource);

        var name = "busy-" + Guid.NewGuid().ToString("N")[..8];
        var id = await engine.RunContainerAsync(["--cpus", "0.5", "--name", name], "sh", "-c", "while :; do :; done");
        try
        {
            var sampled = await recorder.WaitForAsync(f => Find(f, id)?.Sample is not null, Deadline, $"a sample of {name}");
            Assert.Equal(name, Find(sampled, id)!.Container.Name);
            Assert.Equal(ContainerState.Running, Find(sampled, id)!.Container.State);

            // The frames that arrive while docker stats takes its own reading cover the same seconds.
            var from = recorder.Frames.Count;
            var cli = await DockerStatsCpuAsync(id);
            await recorder.WaitForAsync(_ => recorder.Frames.Count > from, Deadline, "a frame after docker stats");
            var ours = recorder.Frames.Skip(from).Select(f => Find(f, id)?.Sample?.CpuPercent).OfType<double>().Average();
            output.WriteLine(FormattableString.Invariant($"{name} (--cpus 0.5): {ours:0.0} % in our frames, {cli:0.0} % from docker stats"));
            Assert.InRange(ours, cli - 10, cli + 10);
            Assert.InRange(ours, 1, 55);

            await engine.RunAsync("stop", "-t", "1", id);
            var exitCode = int.Parse((await engine.RunAsync("inspect", "-f", "{{.State.ExitCode}}", id)).Trim(), CultureInfo.InvariantCulture);
            var stopped = await recorder.WaitForAsync(
                f => f.Sequence > sampled.Sequence && Find(f, id)?.Container.State == ContainerState.Exited, Deadline, $"{name} exited");
            var exited = Find(stopped, id)!;
            Assert.Equal(exitCode, exited.Container.ExitCode);
            Assert.Equal(137, exited.Container.ExitCode);
            Assert.Null(exited.Sample);

            await engine.RunAsync("rm", id);
            await recorder.WaitForAsync(f => f.Sequence > stopped.Sequence && Find(f, id) is null, Deadline, $"{name} gone from the frames");
            var sink = Cluster.Sink(HostId);
            Assert.Equal(ContainerState.Removed, sink.ChangesOf(id)[^1].State);
            Assert.NotEmpty(sink.MinutesOf(id));
        }
        finally
        {
            await Cluster.Host(HostId).UnsubscribeAsync(observer);
            await RemoveQuietlyAsync(id);
        }
    }

    /// <summary>The container in a frame of the engine's host; any frame showing the host not up fails the test at once.</summary>
    private ContainerLive? Find(HostFrame frame, string containerId)
    {
        Assert.True(frame.Status == HostStatus.Up, $"frame #{frame.Sequence} shows the host {frame.Status}: {frame.Error}");
        Assert.Equal(HostId, frame.HostId);
        return frame.Containers.SingleOrDefault(c => c.Container.Id == containerId);
    }

    private async Task<double> DockerStatsCpuAsync(string id)
    {
        var cpu = (await engine.RunAsync("stats", "--no-stream", "--format", "{{.CPUPerc}}", id)).Trim();
        return double.Parse(cpu.TrimEnd('%'), CultureInfo.InvariantCulture);
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await engine.RunAsync("rm", "-f", id);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("No such container", StringComparison.Ordinal))
        {
            // The test removed it already.
        }
    }
}
