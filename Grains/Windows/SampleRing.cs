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
