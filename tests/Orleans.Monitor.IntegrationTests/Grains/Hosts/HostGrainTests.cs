using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.IntegrationTests.Grains.Hosts;

/// <summary>
/// The host grain of host A on its silo, driven as the daemon watcher drives it, one interval at a time on the
/// fake clock; frames are read back and received as an Api instance's observer receives them.
/// </summary>
public sealed class HostGrainTests(TwoHostCluster cluster) : IClassFixture<TwoHostCluster>
{
    private static readonly TimeSpan FrameDeadline = TimeSpan.FromSeconds(10);

    private IHostGrain Host => cluster.Host(cluster.HostA);

    [Fact]
    public async Task SubscribeAsync_UpsertedContainers_ObserverGetsEveryFrameInSequenceWithTheirSamples()
    {
        await StartEmptyAsync();
        var containers = new[] { (Id: TestContainers.NewId(), Cpu: 10.0), (Id: TestContainers.NewId(), Cpu: 35.0), (Id: TestContainers.NewId(), Cpu: 80.0) };
        foreach (var (id, cpu) in containers)
        {
            cluster.Stats[id].CpuPercent = cpu;
            await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, id, "web-" + id[..6], cluster.Clock.GetUtcNow()));
        }

        var recorder = new FrameRecorder();
        var observer = cluster.Client.CreateObjectReference<IHostFrameObserver>(recorder);
        await Host.SubscribeAsync(observer);
        var first = await cluster.TickAsync(Host);
        await cluster.TickAsync(Host);
        var third = await cluster.TickAsync(Host);
        await WaitForFramesAsync(recorder, first.Sequence, third.Sequence);
        await Host.UnsubscribeAsync(observer);

        // Every frame once. One-way messages may overtake each other on the way to a client, so arrival order is not checked.
        var frames = recorder.Frames.OrderBy(f => f.Sequence).ToList();
        Assert.Equal([first.Sequence, first.Sequence + 1, first.Sequence + 2], frames.Select(f => f.Sequence));
        Assert.All(frames, f =>
        {
            Assert.Equal(cluster.HostA, f.HostId);
            Assert.Equal(HostStatus.Up, f.Status);
            Assert.Equal(containers.Select(c => c.Id).Order(), f.Containers.Select(c => c.Container.Id).Order());
        });

        // The first interval opens each container's reader (a baseline); from the second on every container has its own sample.
        Assert.All(frames[0].Containers, c => Assert.Null(c.Sample));
        foreach (var frame in frames.Skip(1))
        {
            foreach (var (id, cpu) in containers)
            {
                var sample = Assert.Single(frame.Containers, c => c.Container.Id == id).Sample;
                Assert.NotNull(sample);
                Assert.Equal(cpu, sample.CpuPercent, 6);
                Assert.Equal(frame.Timestamp, sample.Timestamp);
            }
        }
    }

    [Fact]
    public async Task UnsubscribeAsync_SubscribedObserver_GetsNoMoreFrames()
    {
        await StartEmptyAsync();
        var leaving = new FrameRecorder();
        var staying = new FrameRecorder();
        var leavingReference = cluster.Client.CreateObjectReference<IHostFrameObserver>(leaving);
        var stayingReference = cluster.Client.CreateObjectReference<IHostFrameObserver>(staying);
        await Host.SubscribeAsync(leavingReference);
        await Host.SubscribeAsync(stayingReference);
        var subscribed = await cluster.TickAsync(Host);
        await leaving.WaitForAsync(f => f.Sequence == subscribed.Sequence, FrameDeadline, $"frame #{subscribed.Sequence}");

        await Host.UnsubscribeAsync(leavingReference);
        HostFrame last = subscribed;
        for (var i = 0; i < 3; i++)
        {
            last = await cluster.TickAsync(Host);
        }

        // The staying observer is notified in the same turns the leaving one would have been: by the time it has all
        // three frames, any frame sent to the leaving one would have arrived as well.
        await WaitForFramesAsync(staying, subscribed.Sequence, last.Sequence);
        await Host.UnsubscribeAsync(stayingReference);
        Assert.Equal([subscribed.Sequence], leaving.Frames.Select(f => f.Sequence));
        Assert.Equal(4, staying.Frames.Count);
    }

    [Fact]
    public async Task RemoveContainerAsync_SampledContainer_LeavesNextFrameAndSinkGetsRemovalAndLastMinute()
    {
        await StartEmptyAsync();
        var removed = TestContainers.NewId();
        var kept = TestContainers.NewId();
        cluster.Stats[removed].CpuPercent = 40;
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, removed, "removed", cluster.Clock.GetUtcNow()));
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, kept, "kept", cluster.Clock.GetUtcNow()));
        for (var i = 0; i < 3; i++)
        {
            await cluster.TickAsync(Host);
        }

        await Host.RemoveContainerAsync(removed);
        var next = await cluster.TickAsync(Host);

        Assert.Equal([kept], next.Containers.Select(c => c.Container.Id));
        var sink = cluster.Sink(cluster.HostA);
        var removal = sink.ChangesOf(removed)[^1];
        Assert.Equal(ContainerState.Removed, removal.State);
        Assert.True(removal.Removed);
        Assert.Equal("removed", removal.Name);

        // Three intervals: a baseline and two samples, all in the open minute that the removal closes.
        var minute = Assert.Single(sink.MinutesOf(removed));
        Assert.Equal(2, minute.SampleCount);
        Assert.Equal(40, minute.CpuPercentAvg, 6);
        Assert.Equal(cluster.HostA, minute.HostId);
        Assert.Empty(sink.MinutesOf(kept));
    }

    [Fact]
    public async Task ReconcileAsync_Listing_ReturnsUnknownAndChangedIdsAndRemovesUnlisted()
    {
        await StartEmptyAsync();
        var now = cluster.Clock.GetUtcNow();
        var (same, changed, unlisted, unknown) = (TestContainers.NewId(), TestContainers.NewId(), TestContainers.NewId(), TestContainers.NewId());
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, same, "same", now));
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, changed, "changed", now));
        await Host.UpsertContainerAsync(TestContainers.Exited(cluster.HostA, unlisted, "unlisted", now, 0));

        ImmutableArray<ContainerInfo> listing =
        [
            TestContainers.Info(cluster.HostA, same, "same", ContainerState.Running, now),
            TestContainers.Info(cluster.HostA, changed, "changed", ContainerState.Exited, now, 137),
            TestContainers.Info(cluster.HostA, unknown, "unknown", ContainerState.Running, now),
        ];
        var stale = await Host.ReconcileAsync(listing, full: false);
        var frame = await cluster.TickAsync(Host);

        Assert.Equal<string>([changed, unknown], stale);
        Assert.Equal(new[] { same, changed }.Order(), frame.Containers.Select(c => c.Container.Id).Order());
        Assert.Equal(ContainerState.Removed, cluster.Sink(cluster.HostA).ChangesOf(unlisted)[^1].State);
        Assert.Equal<string>([same, changed, unknown], await Host.ReconcileAsync(listing, full: true));
    }

    [Fact]
    public async Task DaemonLostAsync_UpHost_FramesShowUnreachableWithTheReasonUntilStartedAgain()
    {
        await StartEmptyAsync();
        var up = await cluster.TickAsync(Host);

        await Host.DaemonLostAsync("connection refused: /var/run/docker.sock");
        var lost = await cluster.TickAsync(Host);
        var stillLost = await cluster.TickAsync(Host);
        await Host.StartAsync(TestContainers.Host(cluster.HostA));
        var back = await cluster.TickAsync(Host);

        Assert.Equal(HostStatus.Up, up.Status);
        Assert.Null(up.Error);
        Assert.Equal(HostStatus.Unreachable, lost.Status);
        Assert.Equal("connection refused: /var/run/docker.sock", lost.Error);
        Assert.Equal(HostStatus.Unreachable, stillLost.Status);

        // Last seen stays at the last interval the daemon answered.
        Assert.Equal(up.LastSeen, lost.LastSeen);
        Assert.Equal(up.LastSeen, stillLost.LastSeen);
        Assert.Equal(HostStatus.Up, back.Status);
        Assert.Null(back.Error);
        Assert.Equal(back.Timestamp, back.LastSeen);
    }

    [Fact]
    public async Task StartAsync_AnotherDaemonsFacts_ThrowsAndKeepsItsOwn()
    {
        await StartEmptyAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Host.StartAsync(TestContainers.Host(cluster.HostB)));
        var frame = await cluster.TickAsync(Host);

        Assert.Contains(cluster.HostB, error.Message, StringComparison.Ordinal);
        Assert.Equal(cluster.HostA, frame.Host?.HostId);
        Assert.Equal(HostStatus.Up, frame.Status);
    }

    [Fact]
    public async Task Tick_ContainerCallCanceled_FramesGoOnAndTheContainerIsAskedAgain()
    {
        await StartEmptyAsync();
        var (healthy, canceled) = (TestContainers.NewId(), TestContainers.NewId());
        cluster.Stats[healthy].CpuPercent = 20;

        // A call that ends canceled rather than failed, as one held by a grain directory lease after a silo failure does.
        cluster.Stats[canceled].Fault = new OperationCanceledException("the call was canceled");
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, healthy, "healthy", cluster.Clock.GetUtcNow()));
        await Host.UpsertContainerAsync(TestContainers.Running(cluster.HostA, canceled, "canceled", cluster.Clock.GetUtcNow()));

        var first = await cluster.TickAsync(Host);
        await cluster.TickAsync(Host);
        var third = await cluster.TickAsync(Host);
        Assert.Equal(first.Sequence + 2, third.Sequence);
        Assert.NotNull(Assert.Single(third.Containers, c => c.Container.Id == healthy).Sample);
        Assert.Null(Assert.Single(third.Containers, c => c.Container.Id == canceled).Sample);

        cluster.Stats[canceled].Fault = null;
        await cluster.TickAsync(Host);
        var recovered = await cluster.TickAsync(Host);
        Assert.NotNull(Assert.Single(recovered.Containers, c => c.Container.Id == canceled).Sample);
    }

    /// <summary>Waits until <paramref name="recorder"/> has every frame from <paramref name="first"/> to <paramref name="last"/>, in whatever order they came.</summary>
    private static async Task WaitForFramesAsync(FrameRecorder recorder, long first, long last)
    {
        for (var sequence = first; sequence <= last; sequence++)
        {
            var expected = sequence;
            await recorder.WaitForAsync(f => f.Sequence == expected, FrameDeadline, $"frame #{expected}");
        }
    }

    /// <summary>
    /// Host A up with no containers, whatever an earlier test of the class left, a second into a minute so that the
    /// test's few intervals never straddle a minute boundary.
    /// </summary>
    private async Task StartEmptyAsync()
    {
        await Host.StartAsync(TestContainers.Host(cluster.HostA));
        await Host.ReconcileAsync([], full: false);
        cluster.Clock.SetUtcNow(MinuteAccumulator.FloorToMinute(cluster.Clock.GetUtcNow()).AddMinutes(1).AddSeconds(1));

        // The jump fired the host's timer once; the call is queued behind that tick.
        await Host.GetFrameAsync();
    }
}
