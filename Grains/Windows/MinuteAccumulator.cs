using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.Grains.Windows;

/// <summary>
/// Folds a container's samples into wall-clock minutes and closes each minute into a <see cref="MinuteAggregate"/>.
/// Buffers are reused from minute to minute, so steady state allocates only the closed aggregate.
/// </summary>
/// <remarks>
/// Byte, time and period deltas (network, block I/O, CPU time, throttled time, CFS periods, throttled periods) are
/// taken from cumulative counters: what moved between two readings counts in the minute of the later one, so
/// consecutive minutes add up to the counter's total.
/// Each run of the container starts with a baseline: zero for a start the monitor saw (<see cref="StartRun"/>), so
/// the first minute holds everything since the start; else the run's first reading. A counter that went backwards
/// restarts from zero instead of producing a negative or wrapped delta.
/// </remarks>
public sealed class MinuteAccumulator(string containerId, string hostId)
{

    private double[] _cpu = new double[64];
    private long[] _memory = new long[64];
    private DateTimeOffset? _minute;
    private int _count;
    private double _cpuSum;
    private double _memorySum;
    private long _memoryLimit;
    private long _pidsMax;
    private long _throttledNanoseconds;
    private long _cpuNanoseconds;
    private long _throttlePeriods, _throttledPeriods;
    private long _netRx, _netTx, _blockRead, _blockWrite;
    private bool _netMeasured;
    private string? _networkNamespace;
    private Cumulative? _last;

    /// <summary>The minute currently open, if any sample arrived in it.</summary>
    public DateTimeOffset? OpenMinute => _minute;

    /// <summary>
    /// Adds a sample and the reading it was computed from (for the cumulative counters). When it belongs to a later
    /// minute than the open one, the open minute is closed first and returned.
    /// </summary>
    public MinuteAggregate? Add(ContainerSample sample, in CounterReading reading)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var minute = FloorToMinute(sample.Timestamp);
        MinuteAggregate? closed = null;
        if (_minute is { } open && minute > open)
        {
            closed = Close();
        }

        if (_minute is { } current && minute < current)
        {
            // A late sample from an already closed minute: its bytes still count, in the open minute.
            minute = current;
        }

        _minute = minute;
        Append(sample, reading);
        return closed;
    }

    /// <summary>Closes the open minute if the clock has moved past it (a container that went quiet still gets its row).</summary>
    public MinuteAggregate? CloseIfElapsed(DateTimeOffset now) =>
        _minute is { } open && FloorToMinute(now) > open ? Close() : null;

    /// <summary>Closes whatever is open, e.g. when the container stops or the grain deactivates.</summary>
    public MinuteAggregate? Flush() => _minute is null ? null : Close();

    /// <summary>
    /// A new run of the container begins. <paramref name="fromZero"/>: the monitor saw it start, so its counters count
    /// from zero; else its first reading is the baseline and what came before it is not counted.
    /// </summary>
    /// <param name="networkNamespace">Whose namespace the run's network counters come from; stored with each minute.</param>
    public void StartRun(bool fromZero, string? networkNamespace)
    {
        // A container that joins another's namespace (--network container:X) finds its counters running: only the
        // namespace's owner counts its network from zero.
        _last = fromZero ? new Cumulative(0, 0, 0, 0, 0, 0, 0, 0, NetworkMeasured: networkNamespace == containerId) : null;
        _networkNamespace = networkNamespace;
    }

    /// <summary>Forgets the cumulative baseline; the next reading becomes it (readings that do not make an interval).</summary>
    public void ResetBaseline() => _last = null;

    public static DateTimeOffset FloorToMinute(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private void Append(ContainerSample s, in CounterReading reading)
    {
        if (_count == _cpu.Length)
        {
            Array.Resize(ref _cpu, _cpu.Length * 2);
            Array.Resize(ref _memory, _memory.Length * 2);
        }

        _cpu[_count] = s.CpuPercent;
        _memory[_count] = s.MemoryUsedBytes;
        _count++;
        _cpuSum += s.CpuPercent;
        _memorySum += s.MemoryUsedBytes;
        _memoryLimit = s.MemoryLimitBytes;
        _pidsMax = Math.Max(_pidsMax, s.Pids);

        var now = new Cumulative(
            Saturate(reading.NetRxBytes),
            Saturate(reading.NetTxBytes),
            Saturate(reading.BlockReadBytes),
            Saturate(reading.BlockWriteBytes),
            Saturate(reading.CpuTotalNanoseconds),
            Saturate(reading.ThrottledTimeNanoseconds),
            Saturate(reading.ThrottlePeriods),
            Saturate(reading.ThrottledPeriods),
            reading.NetworkMeasured);
        var last = _last ?? now;
        if (reading.NetworkMeasured)
        {
            // Counted only between two readings that both measured it (a namespace that just got its first endpoint
            // starts from its first reading).
            var from = last.NetworkMeasured ? last : now;
            _netRx += Delta(from.NetRx, now.NetRx);
            _netTx += Delta(from.NetTx, now.NetTx);
            _netMeasured = true;
        }

        _blockRead += Delta(last.BlockRead, now.BlockRead);
        _blockWrite += Delta(last.BlockWrite, now.BlockWrite);
        _cpuNanoseconds += Delta(last.CpuNanoseconds, now.CpuNanoseconds);
        _throttledNanoseconds += Delta(last.ThrottledNanoseconds, now.ThrottledNanoseconds);
        _throttlePeriods += Delta(last.ThrottlePeriods, now.ThrottlePeriods);
        _throttledPeriods += Delta(last.ThrottledPeriods, now.ThrottledPeriods);
        _last = now;
    }

    private static long Delta(long previous, long current) => current >= previous ? current - previous : current;

    private static long Saturate(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private MinuteAggregate Close()
    {
        var minute = _minute!.Value;
        var n = _count;
        var cpu = _cpu.AsSpan(0, n);
        var memory = _memory.AsSpan(0, n);
        var aggregate = new MinuteAggregate(
            containerId,
            hostId,
            minute,
            n,
            CpuPercentAvg: n == 0 ? 0 : _cpuSum / n,
            CpuPercentMin: n == 0 ? 0 : Min(cpu),
            CpuPercentMax: n == 0 ? 0 : Max(cpu),
            CpuPercentP95: Percentile95(cpu),
            MemoryUsedBytesAvg: n == 0 ? 0 : (long)Math.Round(_memorySum / n),
            MemoryUsedBytesMin: n == 0 ? 0 : Min(memory),
            MemoryUsedBytesMax: n == 0 ? 0 : Max(memory),
            MemoryUsedBytesP95: Percentile95(memory),
            MemoryLimitBytes: _memoryLimit,
            NetRxBytes: _netMeasured ? _netRx : null,
            NetTxBytes: _netMeasured ? _netTx : null,
            BlockReadBytes: _blockRead,
            BlockWriteBytes: _blockWrite,
            PidsMax: _pidsMax,
            ThrottledTimeNanoseconds: _throttledNanoseconds,
            CpuTimeNanoseconds: _cpuNanoseconds,
            NetworkNamespace: _netMeasured ? _networkNamespace ?? containerId : null,
            ThrottlePeriods: _throttlePeriods,
            ThrottledPeriods: _throttledPeriods);

        _minute = null;
        _count = 0;
        _cpuSum = _memorySum = 0;
        _pidsMax = _throttledNanoseconds = _cpuNanoseconds = 0;
        _throttlePeriods = _throttledPeriods = 0;
        _netRx = _netTx = _blockRead = _blockWrite = 0;
        _netMeasured = false;
        return aggregate;
    }

    private static T Min<T>(Span<T> values)
        where T : IComparable<T>
    {
        var min = values[0];
        foreach (var v in values)
        {
            if (v.CompareTo(min) < 0)
            {
                min = v;
            }
        }

        return min;
    }

    private static T Max<T>(Span<T> values)
        where T : IComparable<T>
    {
        var max = values[0];
        foreach (var v in values)
        {
            if (v.CompareTo(max) > 0)
            {
                max = v;
            }
        }

        return max;
    }

    /// <summary>Nearest-rank 95th percentile; sorts in place, which is fine because the minute is being closed.</summary>
    private static T Percentile95<T>(Span<T> values)
        where T : struct, IComparable<T>
    {
        if (values.Length == 0)
        {
            return default;
        }

        values.Sort();
        var rank = (int)Math.Ceiling(0.95 * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }

    private readonly record struct Cumulative(
        long NetRx,
        long NetTx,
        long BlockRead,
        long BlockWrite,
        long CpuNanoseconds,
        long ThrottledNanoseconds,
        long ThrottlePeriods,
        long ThrottledPeriods,
        bool NetworkMeasured);
}
