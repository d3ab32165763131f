using System.Collections.Concurrent;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.IntegrationTests.Grains;

/// <summary>
/// A stats source whose counters a test scripts per container: each read adds one interval's worth (CPU at the set
/// percentage, 1 s of a 2-CPU host, 1000 bytes received) stamped with the grains' clock, or fails as told.
/// </summary>
public sealed class ScriptedStatsSource(TimeProvider clock) : IStatsSource
{
    public const int OnlineCpus = 2;
    public const ulong SystemNanosecondsPerRead = 2_000_000_000;
    public const ulong RxBytesPerRead = 1000;
    public const ulong MemoryUsageBytes = 1 << 20;
    public const ulong MemoryLimitBytes = 64 << 20;

    private readonly ConcurrentDictionary<string, ScriptedContainer> _containers = new(StringComparer.Ordinal);

    public string Name => "scripted";

    /// <summary>The script of one container; created on first use with 0 % CPU.</summary>
    public ScriptedContainer this[string containerId] => _containers.GetOrAdd(containerId, static _ => new ScriptedContainer());

    public IContainerStatsReader CreateReader(ContainerTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var container = this[target.ContainerId];
        container.ReaderCreated(target);
        return new Reader(container, clock);
    }

    private sealed class Reader(ScriptedContainer container, TimeProvider clock) : IContainerStatsReader
    {
        public ValueTask<StatsReadResult> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(container.Read(clock.GetUtcNow()));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>What one container's reads return; tests change it between samples.</summary>
public sealed class ScriptedContainer
{
    private readonly Lock _gate = new();
    private ulong _cpu;
    private ulong _system;
    private ulong _rx;
    private int _reads;
    private readonly List<ContainerTarget> _readers = [];

    /// <summary>The CPU % (of one CPU, as <c>docker stats</c> shows it) each read's counters add up to.</summary>
    public double CpuPercent { get; set; }

    /// <summary>What a read reports instead of counters; <see cref="ReadingStatus.Ok"/> to return counters.</summary>
    public ReadingStatus Status { get; set; } = ReadingStatus.Ok;

    /// <summary>When set, every read throws it (an unreadable cgroup file, a broken stats stream).</summary>
    public Exception? Fault { get; set; }

    public int Reads
    {
        get
        {
            lock (_gate)
            {
                return _reads;
            }
        }
    }

    /// <summary>The targets a reader was opened for, in order: one per activation and per restart.</summary>
    public IReadOnlyList<ContainerTarget> Readers
    {
        get
        {
            lock (_gate)
            {
                return [.. _readers];
            }
        }
    }

    /// <summary>The container's counters start from zero again, as in a new cgroup.</summary>
    public void ResetCounters()
    {
        lock (_gate)
        {
            (_cpu, _rx) = (0, 0);
        }
    }

    internal void ReaderCreated(ContainerTarget target)
    {
        lock (_gate)
        {
            _readers.Add(target);
        }
    }

    internal StatsReadResult Read(DateTimeOffset now)
    {
        lock (_gate)
        {
            _reads++;
            if (Fault is { } fault)
            {
                throw fault;
            }

            if (Status != ReadingStatus.Ok)
            {
                return StatsReadResult.WithStatus(Status);
            }

            // docker stats: cpu delta / system delta × CPUs × 100.
            _cpu += (ulong)Math.Round(CpuPercent / 100 * ScriptedStatsSource.SystemNanosecondsPerRead / ScriptedStatsSource.OnlineCpus);
            _system += ScriptedStatsSource.SystemNanosecondsPerRead;
            _rx += ScriptedStatsSource.RxBytesPerRead;
            return StatsReadResult.Of(new CounterReading(
                Timestamp: now,
                CpuTotalNanoseconds: _cpu,
                CpuUserNanoseconds: _cpu,
                CpuKernelNanoseconds: 0,
                SystemCpuNanoseconds: _system,
                OnlineCpus: ScriptedStatsSource.OnlineCpus,
                ThrottlePeriods: 0,
                ThrottledPeriods: 0,
                ThrottledTimeNanoseconds: 0,
                MemoryUsageBytes: ScriptedStatsSource.MemoryUsageBytes,
                MemoryLimitBytes: ScriptedStatsSource.MemoryLimitBytes,
                MemoryInactiveFileBytes: 0,
                NetRxBytes: _rx,
                NetTxBytes: 0,
                BlockReadBytes: 0,
                BlockWriteBytes: 0,
                Pids: 1,
                PidsLimit: 0));
        }
    }
}
