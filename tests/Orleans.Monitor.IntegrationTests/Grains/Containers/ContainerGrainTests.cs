using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.IntegrationTests.Grains.Containers;

/// <summary>
/// A container grain on its host's silo, fed by a scripted stats source on the fake clock and driven through its
/// contract as the host grain drives it: the clock moves one interval, then <see cref="IContainerGrain.SampleAsync"/>.
/// </summary>
public sealed class ContainerGrainTests(TwoHostCluster cluster) : IClassFixture<TwoHostCluster>
{
    private static readonly TimeSpan DeactivationDeadline = TimeSpan.FromSeconds(10);

    private readonly string _id = TestContainers.NewId();

    private IContainerGrain Grain => cluster.Container(cluster.HostA, _id);

    private ScriptedContainer Script => cluster.Stats[_id];

    private RecordingSink Sink => cluster.Sink(cluster.HostA);

    [Fact]
    public async Task SampleAsync_AcrossMinuteBoundaries_ClosesEachMinuteWithItsByteDeltasAndCpuStatistics()
    {
        var start = HalfPastNextMinute();
        var assignment = TestContainers.Running(cluster.HostA, _id, "web", start.AddHours(-1));

        // CPU % = the second of the minute, so every minute has a different average, minimum, maximum and p95.
        var live = await SampleAsync(assignment, 95, now => now.Second);

        // Reads at :31 of minute 0 (a baseline) to :05 of minute 2: minute 0 holds :32-:59, minute 1 all sixty, minute 2 stays open.
        var minutes = Sink.MinutesOf(_id);
        Assert.Equal([start.AddSeconds(-30), start.AddSeconds(30)], minutes.Select(m => m.Minute));
        var (first, full) = (minutes[0], minutes[1]);
        Assert.Equal(28, first.SampleCount);
        Assert.Equal((32 + 59) / 2.0, first.CpuPercentAvg, 6);
        Assert.Equal(32, first.CpuPercentMin, 6);
        Assert.Equal(59, first.CpuPercentMax, 6);

        // Bytes moved between two samples count in the later one's minute; the first sample has nothing before it.
        Assert.Equal(27 * 1000, first.NetRxBytes);
        Assert.Equal(60, full.SampleCount);
        Assert.Equal(29.5, full.CpuPercentAvg, 6);
        Assert.Equal(0, full.CpuPercentMin, 6);
        Assert.Equal(59, full.CpuPercentMax, 6);
        Assert.Equal(56, full.CpuPercentP95, 6);
        Assert.Equal(60 * 1000, full.NetRxBytes);
        Assert.All(minutes, m =>
        {
            Assert.Equal(_id, m.ContainerId);
            Assert.Equal(cluster.HostA, m.HostId);
            Assert.Equal((long)ScriptedStatsSource.MemoryUsageBytes, m.MemoryUsedBytesAvg);
            Assert.Equal((long)ScriptedStatsSource.MemoryLimitBytes, m.MemoryLimitBytes);
            Assert.Equal(1, m.PidsMax);
            Assert.Equal(0, m.NetTxBytes);
        });

        Assert.NotNull(live.Sample);
        Assert.Equal(cluster.Clock.GetUtcNow(), live.Sample.Timestamp);
        Assert.Equal(cluster.Clock.GetUtcNow().Second, live.Sample.CpuPercent, 6);
        Assert.Equal(1000, live.Sample.NetRxBytesPerSecond!.Value, 6);
        Assert.Equal(assignment.Target, Assert.Single(Script.Readers));
    }

    [Fact]
    public async Task GetWindowAsync_Seconds_ReturnsTheNewestPointsOldestFirstBoundedByTheWindow()
    {
        HalfPastNextMinute();
        Assert.Empty(await Grain.GetWindowAsync(600));
        await SampleAsync(TestContainers.Running(cluster.HostA, _id, "web", cluster.Clock.GetUtcNow()), 95, now => now.Second);
        var newest = cluster.Clock.GetUtcNow();

        var all = await Grain.GetWindowAsync(600);
        var half = await Grain.GetWindowAsync(30);
        var one = await Grain.GetWindowAsync(1);

        // The window holds one minute (TwoHostClusterOptions.Window): 60 of the 94 samples, one per second.
        Assert.Equal(Enumerable.Range(0, 60).Select(i => newest.AddSeconds(i - 59)), all.Select(p => p.Timestamp));
        Assert.Equal(all.Skip(30), half);
        Assert.Equal(newest, Assert.Single(one).Timestamp);
        Assert.All(all, p => Assert.Equal(p.Timestamp.Second, p.CpuPercent, 3));
    }

    [Fact]
    public async Task SampleAsync_NewTargetAfterRestart_CountersStartOverWithoutSpike()
    {
        var start = HalfPastNextMinute();
        var before = TestContainers.Running(cluster.HostA, _id, "web", start.AddHours(-1), pid: 4242);
        await SampleAsync(before, 5, _ => 100);

        // A restart: a new cgroup whose counters start from zero, and a new start time and PID from the watcher.
        Script.ResetCounters();
        var after = TestContainers.Running(cluster.HostA, _id, "web", cluster.Clock.GetUtcNow(), pid: 4343);
        await SampleAsync(after, 5, _ => 20);
        var window = await Grain.GetWindowAsync(600);
        await Grain.RemoveAsync(after.Info with { State = ContainerState.Removed, Removed = true });

        // Each reader's first reading is a baseline: four samples before and four after, none spanning the restart.
        Assert.Equal([100f, 100f, 100f, 100f, 20f, 20f, 20f, 20f], window.Select(p => MathF.Round(p.CpuPercent, 3)));
        Assert.Equal(new[] { before.Target!, after.Target! }, Script.Readers);
        var minute = Assert.Single(Sink.MinutesOf(_id));
        Assert.Equal(8, minute.SampleCount);
        Assert.Equal(100, minute.CpuPercentMax, 6);
        Assert.Equal(20, minute.CpuPercentMin, 6);
        Assert.Equal(2 * 3 * 1000, minute.NetRxBytes);
    }

    [Fact]
    public async Task SampleAsync_CountersGoBackwardsOnSameTarget_DropsThatSample()
    {
        var start = HalfPastNextMinute();
        var assignment = TestContainers.Running(cluster.HostA, _id, "web", start);
        await SampleAsync(assignment, 3, _ => 100);

        // The same container, but its counters went back (a daemon restart): the interval across the jump is no sample.
        Script.ResetCounters();
        await SampleAsync(assignment, 3, _ => 100);

        var window = await Grain.GetWindowAsync(600);
        Assert.Equal([start.AddSeconds(2), start.AddSeconds(3), start.AddSeconds(5), start.AddSeconds(6)], window.Select(p => p.Timestamp));
        Assert.All(window, p => Assert.Equal(100f, p.CpuPercent, 3));
    }

    [Fact]
    public async Task SampleAsync_ReadsKeepFailing_DeactivatesAndNextSampleStartsAfresh()
    {
        HalfPastNextMinute();
        var assignment = TestContainers.Running(cluster.HostA, _id, "web", cluster.Clock.GetUtcNow());
        await SampleAsync(assignment, 3, _ => 30);
        Script.Fault = new IOException("cpuacct.usage: No such device");

        // Below the limit (SamplingOptions.FailuresBeforeRestart = 3) the activation and its window stay.
        await SampleAsync(assignment, 2, _ => 30);
        Assert.Equal(2, (await Grain.GetWindowAsync(600)).Length);
        Assert.Empty(Sink.MinutesOf(_id));

        var deactivated = cluster.Cluster.WaitForDeactivationAsync(Grain);
        await SampleAsync(assignment, 1, _ => 30);
        await deactivated.WaitAsync(DeactivationDeadline);

        // Deactivating closed the open minute; the next call starts a fresh activation with a fresh reader.
        Assert.Equal(2, Assert.Single(Sink.MinutesOf(_id)).SampleCount);
        Script.Fault = null;
        var recovered = cluster.Clock.GetUtcNow();
        var live = await SampleAsync(assignment, 3, _ => 30);
        var window = await Grain.GetWindowAsync(600);
        Assert.Equal(2, Script.Readers.Count);
        Assert.Equal(2, window.Length);
        Assert.All(window, p => Assert.True(p.Timestamp > recovered.AddSeconds(1), $"{p.Timestamp:O} is from before the restart"));
        Assert.Equal(30, live.Sample!.CpuPercent, 6);
    }

    [Fact]
    public async Task SampleAsync_ContainerGone_ClearsSampleAndNextAssignmentStartsFromANewBaseline()
    {
        HalfPastNextMinute();
        var assignment = TestContainers.Running(cluster.HostA, _id, "web", cluster.Clock.GetUtcNow());
        var before = await SampleAsync(assignment, 2, _ => 30);

        Script.Status = ReadingStatus.Gone;
        var gone = await SampleAsync(assignment, 1, _ => 30);

        // Every call from here brings its own copy of the assignment, as the watcher's next upsert would: a fresh reader.
        Script.Status = ReadingStatus.Ok;
        var baseline = await SampleAsync(assignment, 1, _ => 30);
        var resumed = await SampleAsync(assignment, 1, _ => 30);

        Assert.NotNull(before.Sample);
        Assert.Null(gone.Sample);
        Assert.Null(baseline.Sample);
        Assert.Equal(30, resumed.Sample!.CpuPercent, 6);
        Assert.Equal(2, (await Grain.GetWindowAsync(600)).Length);
    }

    [Fact]
    public async Task SampleAsync_ContainerStopped_StopsReadingStoresExitCodeAndClosesMinuteWhenItEnds()
    {
        var start = HalfPastNextMinute();
        var running = TestContainers.Running(cluster.HostA, _id, "web", start);
        await SampleAsync(running, 5, _ => 30);
        var reads = Script.Reads;

        var exited = TestContainers.Exited(cluster.HostA, _id, "web", start, exitCode: 137);
        var stopped = await SampleAsync(exited, 3, _ => 30);

        Assert.Null(stopped.Sample);
        Assert.Equal(ContainerState.Exited, stopped.Container.State);
        Assert.Equal(reads, Script.Reads);
        var stored = Sink.ChangesOf(_id)[^1];
        Assert.Equal(ContainerState.Exited, stored.State);
        Assert.Equal(137, stored.ExitCode);

        // A quiet container still gets its minute's row once the clock leaves that minute.
        Assert.Empty(Sink.MinutesOf(_id));
        cluster.Clock.SetUtcNow(start.AddSeconds(30));
        await Grain.SampleAsync(exited);
        Assert.Equal(4, Assert.Single(Sink.MinutesOf(_id)).SampleCount);
    }

    [Fact]
    public async Task RemoveAsync_OpenMinute_StoresMinuteAndRemovalThenDeactivates()
    {
        var start = HalfPastNextMinute();
        var assignment = TestContainers.Running(cluster.HostA, _id, "web", start);
        await SampleAsync(assignment, 10, _ => 100);

        var deactivated = cluster.Cluster.WaitForDeactivationAsync(Grain);
        await Grain.RemoveAsync(assignment.Info with { State = ContainerState.Removed, Removed = true });
        await deactivated.WaitAsync(DeactivationDeadline);

        Assert.Equal(9, Assert.Single(Sink.MinutesOf(_id)).SampleCount);
        var removal = Sink.ChangesOf(_id)[^1];
        Assert.Equal(ContainerState.Removed, removal.State);
        Assert.True(removal.Removed);
    }

    /// <summary>
    /// Moves the shared clock to half past the next minute (no grain timer of this class runs on it), so a test's
    /// first minute closes after thirty samples whatever earlier tests did with the clock.
    /// </summary>
    private DateTimeOffset HalfPastNextMinute()
    {
        var start = MinuteAccumulator.FloorToMinute(cluster.Clock.GetUtcNow()).AddMinutes(1).AddSeconds(30);
        cluster.Clock.SetUtcNow(start);
        return start;
    }

    /// <summary>What the host grain does each interval, <paramref name="count"/> times: the clock moves a second, then the grain samples.</summary>
    private async Task<ContainerLive> SampleAsync(ContainerAssignment assignment, int count, Func<DateTimeOffset, double> cpuPercent)
    {
        ContainerLive? live = null;
        for (var i = 0; i < count; i++)
        {
            cluster.Clock.Advance(cluster.Interval);
            Script.CpuPercent = cpuPercent(cluster.Clock.GetUtcNow());
            live = await Grain.SampleAsync(assignment);
        }

        return live!;
    }
}
