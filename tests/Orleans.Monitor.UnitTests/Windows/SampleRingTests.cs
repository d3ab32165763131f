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
