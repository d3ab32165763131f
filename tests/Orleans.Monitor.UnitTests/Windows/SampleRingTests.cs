using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.UnitTests.Windows;

public sealed class SampleRingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static SamplePoint Point(int second, float cpu = 0) =>
        new(T0.AddSeconds(second), cpu, 0, 0, second * 1000L, 0, 0, 0, 0, 1);

    [Fact]
    public void Add_MoreThanCapacity_KeepsNewestInOrder()
    {
        var ring = new SampleRing(600);
        for (var s = 0; s < 1000; s++)
        {
            ring.Add(Point(s));
        }

        var all = ring.ToArray();
        Assert.Equal(600, ring.Count);
        Assert.Equal(600, all.Length);
        Assert.Equal(T0.AddSeconds(400), all[0].Timestamp);
        Assert.Equal(T0.AddSeconds(999), all[^1].Timestamp);
        Assert.Equal(T0.AddSeconds(999), ring.Latest!.Value.Timestamp);
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.True(pair.First.Timestamp < pair.Second.Timestamp));
    }

    [Fact]
    public void Since_CutInsideWrappedRing_ReturnsOnlyNewerPoints()
    {
        var ring = new SampleRing(10);
        for (var s = 0; s < 25; s++)
        {
            ring.Add(Point(s));
        }

        var last = ring.Since(T0.AddSeconds(20));
        Assert.Equal([20, 21, 22, 23, 24], last.Select(p => (int)(p.Timestamp - T0).TotalSeconds));
        Assert.Empty(ring.Since(T0.AddSeconds(30)));
        Assert.Equal(10, ring.Since(T0).Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(60)]
    public void Last_SpanOfNSecondsWithJitteredTimer_ReturnsNSamples(int seconds)
    {
        // A 1 s timer that fires up to 0.4 s early or late: the sample N seconds back may be a little older than that.
        var ring = new SampleRing(600);
        var jitter = new[] { 0.4, -0.4, 0.0, -0.3, 0.3 };
        for (var s = 0; s < 200; s++)
        {
            ring.Add(new SamplePoint(T0.AddSeconds(s + jitter[s % jitter.Length]), 0, 0, 0, s, 0, 0, 0, 0, 1));
        }

        var last = ring.Last(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(1));

        Assert.Equal(Enumerable.Range(200 - seconds, seconds).Select(s => (long)s), last.Select(p => p.MemoryUsedBytes));
    }

    [Fact]
    public void Last_FewerSamplesThanSpan_ReturnsAllAndEmptyRingNone()
    {
        var ring = new SampleRing(600);
        Assert.Empty(ring.Last(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)));
        for (var s = 0; s < 3; s++)
        {
            ring.Add(Point(s));
        }

        Assert.Equal(3, ring.Last(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)).Length);
        Assert.Equal([1, 2], ring.Last(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500)).Select(p => (int)(p.Timestamp - T0).TotalSeconds));
    }

    [Fact]
    public void Latest_Empty_IsNull()
    {
        var ring = new SampleRing(3);
        Assert.Null(ring.Latest);
        Assert.Empty(ring.ToArray());
    }

    [Fact]
    public void Add_SteadyState_DoesNotAllocate()
    {
        var ring = new SampleRing(600);
        var point = Point(1);
        ring.Add(point);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            ring.Add(point);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
