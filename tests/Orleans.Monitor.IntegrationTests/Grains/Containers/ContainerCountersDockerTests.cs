using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.Grains.Stats.Cgroup;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Sqlite;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Grains.Containers;

/// <summary>
/// Counters against a real dockerd, for both stats sources: which network Docker counts, where a run's counters start,
/// and what host totals add up. The right values come from dockerd's own stats API and <c>docker stats</c>. Each test
/// starts its own silo (with the real <see cref="DaemonWatcher"/>), so the moment the host watch begins is the test's.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerCountersDockerTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime
{
    private const int FileKilobytes = 100;
    private const int WrittenMegabytes = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly List<string> _containers = [];
    private readonly string _network = "tc-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omcounters-" + Guid.NewGuid().ToString("N")[..10]);
    private TwoHostCluster? _cluster;
    private WatchedDaemon? _daemon;
    private FrameRecorder? _recorder;
    private IHostFrameObserver? _observer;

    public static TheoryData<string> Sources => [StatsSourceSelector.Cgroup, StatsSourceSelector.DockerApi];

    private string HostId => _daemon!.HostId;

    private FrameRecorder Recorder => _recorder!;

    public async Task InitializeAsync()
    {
        // Only the test's own containers share this network, and it reaches nothing else.
        await engine.RunAsync("network", "create", "--internal", _network);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            if (_observer is not null)
            {
                await _cluster.Host(HostId).UnsubscribeAsync(_observer);
            }

            await _cluster.DisposeAsync();
        }

        if (_containers.Count > 0)
        {
            await engine.RunAsync(["rm", "-f", .. _containers]);
        }

        await engine.RunAsync("network", "rm", _network);
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task SampleAsync_HostAndNoneNetworks_NetworkNotMeasuredNotHostTraffic(string source)
    {
        await StartMonitorAsync(source);
        var host = await RunAsync(["--network", "host"], "sleep", "100000");
        var none = await RunAsync(["--network", "none"], "sleep", "100000");

        var frame = await Recorder.WaitForAsync(f => Find(f, host)?.Sample is not null && Find(f, none)?.Sample is not null, Deadline, "samples of both");
        foreach (var id in new[] { host, none })
        {
            var sample = Find(frame, id)!.Sample!;
            var docker = await EngineStats.GetAsync(engine, id);
            output.WriteLine($"{source} {Find(frame, id)!.Container.Name}: ours rx {Show(sample.NetRxBytes)} tx {Show(sample.NetTxBytes)}; dockerd networks present: {docker.HasNetworks}");
            Assert.False(docker.HasNetworks);
            Assert.Null(sample.NetRxBytes);
            Assert.Null(sample.NetTxBytes);
            Assert.Null(sample.NetRxBytesPerSecond);
            Assert.Null(sample.NetTxBytesPerSecond);
            Assert.True(sample.Pids >= 1);
            var window = await _cluster!.Container(HostId, id).GetWindowAsync(60);
            Assert.NotEmpty(window);
            Assert.All(window, p => Assert.Null(p.NetRxBytesPerSecond));
        }

        Assert.Null(frame.Totals!.NetRxBytesPerSecond);
        var minutes = await RemoveAndCollectMinutesAsync(host, none);
        Assert.All(minutes, m => Assert.Null(m.NetRxBytes));
        Assert.All(minutes, m => Assert.Null(m.NetTxBytes));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task SampleAsync_ContainerJoinsAnothersNetwork_ShowsItsCountersAndHostCountsThemOnce(string source)
    {
        await StartMonitorAsync(source);
        var server = await RunServerAsync();
        var joiner = await RunAsync(["--network", "container:" + server], "sleep", "100000");
        var client = await RunAsync(["--network", _network], "sh", "-c", "while :; do wget -q -O /dev/null http://srv-" + _network + "/f; sleep 0.2; done");

        var frame = await Recorder.WaitForAsync(
            f => Find(f, server)?.Sample?.NetTxBytesPerSecond > 10_000 && Find(f, joiner)?.Sample?.NetTxBytesPerSecond > 10_000
                && Find(f, client)?.Sample?.NetRxBytesPerSecond > 0,
            Deadline,
            "traffic in the shared namespace");
        var owner = Find(frame, server)!.Sample!;
        var joined = Find(frame, joiner)!.Sample!;
        var other = Find(frame, client)!.Sample!;
        var dockerJoiner = await EngineStats.GetAsync(engine, joiner);
        var dockerServer = await EngineStats.GetAsync(engine, server);
        output.WriteLine(FormattableString.Invariant(
            $"{source}: server tx {owner.NetTxBytes} ({owner.NetTxBytesPerSecond:0} B/s), joiner tx {joined.NetTxBytes} ({joined.NetTxBytesPerSecond:0} B/s), dockerd joiner tx {dockerJoiner.NetTx}, server tx {dockerServer.NetTx}; host tx {frame.Totals!.NetTxBytesPerSecond:0} B/s"));

        // Docker reports the owner's sandbox for a container:X container; so do we.
        Assert.True(dockerJoiner.HasNetworks);
        Assert.NotNull(joined.NetTxBytes);
        Assert.InRange(joined.NetTxBytes.Value, (long)(owner.NetTxBytes!.Value * 0.5), (long)dockerJoiner.NetTx);

        // The namespace counts once: the owner's rate plus the client's, not the joiner's copy on top.
        Assert.Equal(owner.NetTxBytesPerSecond!.Value + other.NetTxBytesPerSecond!.Value, frame.Totals!.NetTxBytesPerSecond!.Value, 3);
        Assert.Equal(owner.NetRxBytesPerSecond!.Value + other.NetRxBytesPerSecond!.Value, frame.Totals.NetRxBytesPerSecond!.Value, 3);

        var minutes = await RemoveAndCollectMinutesAsync(joiner);
        Assert.All(minutes, m => Assert.Equal(server, m.NetworkNamespace));
    }

    [Fact]
    public async Task Frame_JoinedNamespaceOwnerStopped_EntryNamesNoNamespaceWithItsUnmeasuredNetwork()
    {
        // The cgroup source: dockerd's stats API answers an empty reading for a joiner whose owner stopped.
        await StartMonitorAsync(StatsSourceSelector.Cgroup);
        var owner = await RunAsync(["--network", _network], "sleep", "100000");
        var joiner = await RunAsync(["--network", "container:" + owner], "sleep", "100000");
        var joined = await Recorder.WaitForAsync(f => Find(f, joiner)?.Sample?.NetRxBytes is not null, Deadline, "the joiner's network measured");
        Assert.Equal(owner, Find(joined, joiner)!.NetworkNamespace);

        // The owner's sandbox goes with it: the joiner keeps the namespace with only lo in it, which Docker does not count.
        await engine.RunAsync("stop", "-t", "0", owner);
        var frame = await Recorder.WaitForAsync(f => Find(f, joiner)?.Sample is { NetRxBytes: null }, Deadline, "the joiner's network no longer measured");
        var entry = Find(frame, joiner)!;
        output.WriteLine($"joiner after its owner stopped: rx {Show(entry.Sample!.NetRxBytes)}, networkNamespace {entry.NetworkNamespace ?? "null"}");
        Assert.Null(entry.NetworkNamespace);
        Assert.Null(frame.Totals!.NetRxBytesPerSecond);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MinuteClosed_BytesMovedRightAtStart_MinutesHoldEverythingSinceStart(string source)
    {
        await StartMonitorAsync(source);
        await RunServerAsync();
        var client = await RunClientAsync();

        var truth = await WaitForFirstRunAsync(client);
        var last = await LastSampleBeforeRemovalAsync(client);
        var minutes = await RemoveAndCollectMinutesAsync(client);

        var rx = minutes.Sum(m => m.NetRxBytes ?? 0);
        var written = minutes.Sum(m => m.BlockWriteBytes);
        var cpu = minutes.Sum(m => m.CpuTimeNanoseconds);
        output.WriteLine(FormattableString.Invariant(
            $"{source}: dockerd rx {truth.NetRx} B, write {truth.BlockWrite} B, cpu {truth.CpuTotal} ns; our last sample rx {last.NetRxBytes}, write {last.BlockWriteBytes}; minutes hold rx {rx}, write {written}, cpu {cpu} ns ({minutes.Count} rows)"));

        Assert.True(truth.NetRx >= FileKilobytes * 1000, $"dockerd counted {truth.NetRx} B received");
        Assert.Equal(last.NetRxBytes, rx);
        Assert.Equal(last.BlockWriteBytes, written);
        Assert.InRange(rx, (long)truth.NetRx, (long)truth.NetRx + 4096);
        Assert.InRange(written, (long)truth.BlockWrite, (long)truth.BlockWrite + (1 << 20));
        Assert.InRange(cpu, (long)truth.CpuTotal, (long)truth.CpuTotal + 200_000_000);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MinuteClosed_ContainerRestarted_MinutesHoldBothRunsFromZero(string source)
    {
        await StartMonitorAsync(source);
        await RunServerAsync();
        var client = await RunClientAsync();
        await WaitForFirstRunAsync(client);

        await engine.RunAsync("restart", "-t", "1", client);
        var secondStart = DateTimeOffset.Parse((await engine.RunAsync("inspect", "-f", "{{.State.StartedAt}}", client)).Trim(), CultureInfo.InvariantCulture);
        var second = await Recorder.WaitForAsync(
            f => Find(f, client)?.Sample is { } s && s.Timestamp > secondStart && s.NetRxBytes >= FileKilobytes * 1000 && s.BlockWriteBytes >= WrittenMegabytes << 20,
            Deadline,
            "the second run's download and write");
        var truth = await EngineStats.GetAsync(engine, client);
        var samples = Recorder.Frames.Select(f => Find(f, client)?.Sample).OfType<ContainerSample>().ToList();
        var firstRun = samples.Last(s => s.Timestamp < secondStart);
        var lastOfSecond = await LastSampleBeforeRemovalAsync(client);
        var minutes = await RemoveAndCollectMinutesAsync(client);

        var rx = minutes.Sum(m => m.NetRxBytes ?? 0);
        var written = minutes.Sum(m => m.BlockWriteBytes);
        output.WriteLine(FormattableString.Invariant(
            $"{source}: run 1 ended at rx {firstRun.NetRxBytes}, write {firstRun.BlockWriteBytes}; run 2 at rx {lastOfSecond.NetRxBytes} (dockerd {truth.NetRx}), write {lastOfSecond.BlockWriteBytes}; minutes hold rx {rx}, write {written}"));
        Assert.Equal(firstRun.NetRxBytes + lastOfSecond.NetRxBytes, rx);
        Assert.Equal(firstRun.BlockWriteBytes + lastOfSecond.BlockWriteBytes, written);
        Assert.True(second.Sequence > 0);
        Assert.InRange(lastOfSecond.NetRxBytes!.Value, (long)truth.NetRx, (long)truth.NetRx + 4096);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MinuteClosed_ContainerRunningBeforeWatchBegan_FirstMinuteHoldsNoHistory(string source)
    {
        await RunServerAsync();
        var client = await RunClientAsync();
        var before = await Eventually.MatchAsync(
            () => EngineStats.GetAsync(engine, client), s => s.NetRx >= FileKilobytes * 1000 && s.BlockWrite >= WrittenMegabytes << 20, Deadline, "the download and write before the monitor starts");

        await StartMonitorAsync(source);
        await Recorder.WaitForAsync(f => Find(f, client)?.Sample is not null, Deadline, "a sample");
        var last = await LastSampleBeforeRemovalAsync(client);
        var minutes = await RemoveAndCollectMinutesAsync(client);

        var rx = minutes.Sum(m => m.NetRxBytes ?? 0);
        var written = minutes.Sum(m => m.BlockWriteBytes);
        output.WriteLine(FormattableString.Invariant(
            $"{source}: dockerd rx {before.NetRx}, write {before.BlockWrite} before the watch began; our last sample rx {last.NetRxBytes}; minutes hold rx {rx}, write {written}"));
        Assert.InRange(rx, 0, last.NetRxBytes!.Value - (long)before.NetRx);
        Assert.Equal(0, written);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Frame_PausedContainer_HostTotalsKeepItsMemory(string source)
    {
        await StartMonitorAsync(source);
        var running = await RunAsync(["--network", "none"], "sh", "-c", "dd if=/dev/zero of=/dev/shm/x bs=1M count=12 2>/dev/null; sleep 100000");
        var paused = await RunAsync(["--network", "none"], "sh", "-c", "dd if=/dev/zero of=/dev/shm/x bs=1M count=12 2>/dev/null; sleep 100000");
        await Recorder.WaitForAsync(f => Find(f, paused)?.Sample?.MemoryUsedBytes >= 12 << 20, Deadline, "the memory of the container to pause");
        await engine.RunAsync("pause", paused);

        var frame = await Recorder.WaitForAsync(
            f => Find(f, paused) is { Container.State: ContainerState.Paused, Sample: not null } && Find(f, running)?.Sample?.MemoryUsedBytes >= 12 << 20,
            Deadline,
            "the paused container with a sample");
        var docker = await engine.RunAsync("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", paused);
        var pausedSample = Find(frame, paused)!.Sample!;
        var sum = frame.Containers.Sum(c => c.Sample?.MemoryUsedBytes ?? 0);
        output.WriteLine(FormattableString.Invariant(
            $"{source}: paused {pausedSample.MemoryUsedBytes} B (docker stats: {docker.Trim()}), host total {frame.Totals!.MemoryUsedBytes} B, sum of samples {sum} B"));

        Assert.True(pausedSample.MemoryUsedBytes >= 12 << 20);
        Assert.Equal(sum, frame.Totals.MemoryUsedBytes);
        Assert.Equal(frame.Containers.Sum(c => c.Sample?.Pids ?? 0), frame.Totals.Pids);
        Assert.True(frame.Totals.MemoryUsedBytes >= 24 << 20, $"host total {frame.Totals.MemoryUsedBytes}");
        await engine.RunAsync("unpause", paused);
    }

    private async Task StartMonitorAsync(string source)
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
                if (source == StatsSourceSelector.Cgroup)
                {
                    services.AddOptions<CgroupOptions>();
                    services.AddSingleton<HostCpuClock>();
                    services.AddSingleton<CgroupStatsSource>();
                    services.AddSingleton<IStatsSource>(sp => sp.GetRequiredService<CgroupStatsSource>());
                }
                else
                {
                    services.AddSingleton<DockerApiStatsSource>();
                    services.AddSingleton<IStatsSource>(sp => sp.GetRequiredService<DockerApiStatsSource>());
                }

                services.Configure<HostWatchOptions>(o =>
                {
                    o.ReconcileInterval = TimeSpan.FromDays(1);
                    o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(200);
                });
                services.AddHostedService<DaemonWatcher>();
            },
        });
        await _cluster.InitializeAsync();
        _recorder = new FrameRecorder();
        _observer = _cluster.Client.CreateObjectReference<IHostFrameObserver>(_recorder);
        await _cluster.Host(HostId).SubscribeAsync(_observer);
        var up = await _recorder.WaitForAsync(f => f.Status == HostStatus.Up, Deadline, "the host up");
        Assert.Equal(source, up.Host?.StatsSource);
    }

    /// <summary>busybox httpd serving a file of <see cref="FileKilobytes"/> kB on the test's network, as <c>srv-{network}</c>.</summary>
    private Task<string> RunServerAsync() => RunAsync(
        ["--network", _network, "--name", "srv-" + _network],
        "sh", "-c", $"mkdir /www && dd if=/dev/zero of=/www/f bs=1000 count={FileKilobytes} 2>/dev/null && httpd -f -p 80 -h /www");

    /// <summary>Downloads the file and writes <see cref="WrittenMegabytes"/> MiB straight to disk the moment it starts, then idles.</summary>
    private Task<string> RunClientAsync() => RunAsync(
        ["--network", _network],
        "sh", "-c", $"until wget -q -O /dev/null http://srv-{_network}/f; do sleep 0.1; done; dd if=/dev/zero of=/big bs=1M count={WrittenMegabytes} oflag=direct 2>/dev/null; sleep 100000");

    private async Task<EngineStats> WaitForFirstRunAsync(string client)
    {
        await Recorder.WaitForAsync(
            f => Find(f, client)?.Sample is { } s && s.NetRxBytes >= FileKilobytes * 1000 && s.BlockWriteBytes >= WrittenMegabytes << 20,
            Deadline,
            "the download and write in our samples");
        return await EngineStats.GetAsync(engine, client);
    }

    private async Task<string> RunAsync(IReadOnlyList<string> options, params string[] command)
    {
        var id = (await engine.RunAsync(["run", "-d", .. options, DockerEngine.BusyboxImage, .. command])).Trim();
        _containers.Add(id);
        return id;
    }

    /// <summary>Stops the container and returns its last sample (every folded sample is in some frame).</summary>
    private async Task<ContainerSample> LastSampleBeforeRemovalAsync(string id)
    {
        var from = Recorder.Frames.Count;
        await Recorder.WaitForAsync(_ => Recorder.Frames.Count > from + 1, Deadline, "two more frames");
        await engine.RunAsync("kill", id);
        await Recorder.WaitForAsync(f => Find(f, id) is { Sample: null, Container.State: not ContainerState.Running }, Deadline, "the container stopped");
        return Recorder.Frames.Select(f => Find(f, id)?.Sample).OfType<ContainerSample>().Last();
    }

    /// <summary>Removes the containers (which closes their open minutes) and returns every minute they stored.</summary>
    private async Task<IReadOnlyList<MinuteAggregate>> RemoveAndCollectMinutesAsync(params string[] ids)
    {
        await engine.RunAsync(["rm", "-f", .. ids]);
        _containers.RemoveAll(ids.Contains);
        var sink = _cluster!.Sink(HostId);
        await Poll.UntilAsync(() => ids.All(id => sink.ChangesOf(id) is [.., { State: ContainerState.Removed }]), Deadline, "the removals stored");
        return [.. ids.SelectMany(sink.MinutesOf)];
    }

    /// <summary>The container in a frame of the engine's host; a frame showing the host not up fails the test at once.</summary>
    private static ContainerLive? Find(HostFrame frame, string containerId)
    {
        Assert.True(frame.Status == HostStatus.Up, $"frame #{frame.Sequence} shows the host {frame.Status}: {frame.Error}");
        return frame.Containers.SingleOrDefault(c => c.Container.Id == containerId);
    }

    private static string Show(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";
}
