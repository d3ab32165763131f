using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Grains.Windows;

/// <summary>
/// The rolling window of a container: a fixed ring of the most recent samples. Memory is allocated once;
/// adding a sample overwrites the oldest slot.
/// </summary>
public sealed class SampleRing
{
    private readonly SamplePoint[] _slots;
    private int _next;

    public SampleRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new SamplePoint[capacity];
    }

    public int Capacity => _slots.Length;

    public int Count { get; private set; }

    public SamplePoint? Latest => Count == 0 ? null : _slots[(_next - 1 + _slots.Length) % _slots.Length];

    public void Add(in SamplePoint point)
    {
        _slots[_next] = point;
        _next = (_next + 1) % _slots.Length;
        if (Count < _slots.Length)
        {
            Count++;
        }
    }

    public void Clear()
    {
        _next = 0;
        Count = 0;
    }

    /// <summary>Copies, oldest first, the points with a timestamp at or after <paramref name="since"/>.</summary>
    public SamplePoint[] Since(DateTimeOffset since)
    {
        var start = FirstIndexAtOrAfter(since);
        var result = new SamplePoint[Count - start];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _slots[Physical(start + i)];
        }

        return result;
    }

    /// <summary>
    /// Copies, oldest first, the samples of the last <paramref name="span"/> up to the newest: with one sample every
    /// <paramref name="interval"/>, <paramref name="span"/> / <paramref name="interval"/> of them. A sample counts when
    /// taken less than <paramref name="span"/> minus half an interval before the newest, so a timer's jitter of up to
    /// half an interval neither drops the oldest sample nor adds one more.
    /// </summary>
    public SamplePoint[] Last(TimeSpan span, TimeSpan interval) =>
        Latest is { } latest ? Since(latest.Timestamp - span + (interval / 2) + TimeSpan.FromTicks(1)) : [];

    /// <summary>Copies the whole window, oldest first.</summary>
    public SamplePoint[] ToArray() => Since(DateTimeOffset.MinValue);

    private int Physical(int logical) => (_next - Count + logical + _slots.Length) % _slots.Length;

    private int FirstIndexAtOrAfter(DateTimeOffset since)
    {
        // Timestamps are non-decreasing in logical order, so a binary search finds the cut.
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_slots[Physical(mid)].Timestamp < since)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
