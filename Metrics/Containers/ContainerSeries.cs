using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Prometheus;

namespace Orleans.Monitor.Metrics.Containers;

/// <summary>
/// The container series under cAdvisor's names, help texts, types and labels, set from host frames at each scrape.
/// Counters are the raw cumulative counters of the latest reading, so <c>rate()</c> works on them. Only containers
/// of hosts that are up and with a reading of their current run (running or paused) have series; a container that
/// leaves the frames (removed, stopped, its host down) leaves the exposition at the next scrape.
/// </summary>
internal sealed class ContainerSeries
{
    private const int FixedLabels = 5;

    private readonly ImmutableArray<string> _labelKeys;
    private readonly Dictionary<(string HostId, string ContainerId), Tracked> _tracked = [];
    private long _generation;

    private readonly Counter _cpuUsage;
    private readonly Counter _cpuUser;
    private readonly Counter _cpuSystem;
    private readonly Counter _cfsPeriods;
    private readonly Counter _cfsThrottledPeriods;
    private readonly Counter _cfsThrottledSeconds;
    private readonly Gauge _memoryUsage;
    private readonly Gauge _memoryWorkingSet;
    private readonly Gauge _memoryCache;
    private readonly Gauge _specMemoryLimit;
    private readonly Gauge _specCpuQuota;
    private readonly Gauge _specCpuPeriod;
    private readonly Counter _networkReceive;
    private readonly Counter _networkTransmit;
    private readonly Counter _fsReads;
    private readonly Counter _fsWrites;
    private readonly Gauge _processes;
    private readonly Counter _oomEvents;
    private readonly Gauge _startTime;
    private readonly Gauge _lastSeen;

    /// <param name="labelKeys">The allow-listed Docker label keys (<c>Metrics:Labels</c>); each becomes a series label.</param>
    public ContainerSeries(IMetricFactory factory, ImmutableArray<string> labelKeys)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _labelKeys = labelKeys;
        string[] names =
        [
            SeriesLabels.Host, SeriesLabels.HostId, SeriesLabels.Id, SeriesLabels.Name, SeriesLabels.Image,
            .. labelKeys.Select(SeriesLabels.ContainerLabel),
        ];
        string[] withCpu = [.. names, SeriesLabels.Cpu];

        Counter NewCounter(string name, string help, string[]? labels = null) => factory.CreateCounter(name, help, labels ?? names);
        Gauge NewGauge(string name, string help) => factory.CreateGauge(name, help, names);

        _cpuUsage = NewCounter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", withCpu);
        _cpuUser = NewCounter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.");
        _cpuSystem = NewCounter("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.");
        _cfsPeriods = NewCounter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.");
        _cfsThrottledPeriods = NewCounter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.");
        _cfsThrottledSeconds = NewCounter("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.");
        _memoryUsage = NewGauge("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed");
        _memoryWorkingSet = NewGauge("container_memory_working_set_bytes", "Current working set in bytes.");
        _memoryCache = NewGauge("container_memory_cache", "Number of bytes of page cache memory.");
        _specMemoryLimit = NewGauge("container_spec_memory_limit_bytes", "Memory limit for the container.");
        _specCpuQuota = NewGauge("container_spec_cpu_quota", "CPU quota of the container.");
        _specCpuPeriod = NewGauge("container_spec_cpu_period", "CPU period of the container.");
        _networkReceive = NewCounter("container_network_receive_bytes_total", "Cumulative count of bytes received");
        _networkTransmit = NewCounter("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted");
        _fsReads = NewCounter("container_fs_reads_bytes_total", "Cumulative count of bytes read");
        _fsWrites = NewCounter("container_fs_writes_bytes_total", "Cumulative count of bytes written");
        _processes = NewGauge("container_processes", "Number of processes running inside the container.");
        _oomEvents = NewCounter("container_oom_events_total", "Count of out of memory events observed for the container");
        _startTime = NewGauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds.");
        _lastSeen = NewGauge("container_last_seen", "Last time a container was seen by the exporter");
    }

    /// <summary>Containers with series after the last update.</summary>
    public int Count => _tracked.Count;

    /// <summary>Sets every series from the newest frame of each host and removes the series of containers no longer in them.</summary>
    public void Update(IEnumerable<HostFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var generation = ++_generation;
        foreach (var frame in frames)
        {
            if (frame.Status != HostStatus.Up)
            {
                continue;
            }

            var hostName = frame.Host?.Name ?? string.Empty;
            var seen = frame.Timestamp.ToUnixTimeMilliseconds() / 1000.0;
            foreach (var live in frame.Containers)
            {
                if (live.Counters is not { } counters)
                {
                    continue;
                }

                var info = live.Container;
                var key = (frame.HostId, info.Id);
                if (!_tracked.TryGetValue(key, out var tracked) || !tracked.Matches(hostName, info, _labelKeys))
                {
                    tracked?.Remove(this);
                    tracked = new Tracked(Values(hostName, frame.HostId, info));
                    _tracked[key] = tracked;
                }

                tracked.Generation = generation;
                tracked.Set(this, info, counters, seen);
            }
        }

        foreach (var (key, gone) in _tracked.Where(t => t.Value.Generation != generation).ToList())
        {
            gone.Remove(this);
            _tracked.Remove(key);
        }
    }

    private string[] Values(string hostName, string hostId, ContainerInfo info)
    {
        var values = new string[FixedLabels + _labelKeys.Length];
        values[0] = hostName;
        values[1] = hostId;
        values[2] = SeriesLabels.ContainerId(info.Id);
        values[3] = info.Name;
        values[4] = info.Image;
        for (var i = 0; i < _labelKeys.Length; i++)
        {
            values[FixedLabels + i] = info.Labels.GetValueOrDefault(_labelKeys[i]) ?? string.Empty;
        }

        return values;
    }

    private static double Seconds(ulong nanoseconds) => nanoseconds / 1e9;

    private static double UnixSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>One container's children of every family, resolved once and reused while its labels stay the same.</summary>
    private sealed class Tracked(string[] values)
    {
        private readonly string[] _values = values;
        private readonly string[] _cpuValues = [.. values, "total"];
        private Counter.Child? _cpuUsage;
        private Counter.Child? _cpuUser;
        private Counter.Child? _cpuSystem;
        private Counter.Child? _cfsPeriods;
        private Counter.Child? _cfsThrottledPeriods;
        private Counter.Child? _cfsThrottledSeconds;
        private Gauge.Child? _memoryUsage;
        private Gauge.Child? _memoryWorkingSet;
        private Gauge.Child? _memoryCache;
        private Gauge.Child? _specMemoryLimit;
        private Gauge.Child? _specCpuQuota;
        private Gauge.Child? _specCpuPeriod;
        private Counter.Child? _networkReceive;
        private Counter.Child? _networkTransmit;
        private Counter.Child? _fsReads;
        private Counter.Child? _fsWrites;
        private Gauge.Child? _processes;
        private Counter.Child? _oomEvents;
        private Gauge.Child? _startTime;
        private Gauge.Child? _lastSeen;

        public long Generation { get; set; }

        /// <summary>Whether the series labels this container would get now are the ones its children carry.</summary>
        public bool Matches(string hostName, ContainerInfo info, ImmutableArray<string> labelKeys)
        {
            if (_values[0] != hostName || _values[3] != info.Name || _values[4] != info.Image)
            {
                return false;
            }

            for (var i = 0; i < labelKeys.Length; i++)
            {
                if (_values[FixedLabels + i] != (info.Labels.GetValueOrDefault(labelKeys[i]) ?? string.Empty))
                {
                    return false;
                }
            }

            return true;
        }

        public void Set(ContainerSeries s, ContainerInfo info, ContainerCounters counters, double seen)
        {
            SetCounter(s._cpuUsage, ref _cpuUsage, _cpuValues, Seconds(counters.CpuTotalNanoseconds));
            SetCounter(s._cpuUser, ref _cpuUser, _values, Seconds(counters.CpuUserNanoseconds));
            SetCounter(s._cpuSystem, ref _cpuSystem, _values, Seconds(counters.CpuKernelNanoseconds));

            // cAdvisor shows CFS counters only for a container with a quota: without one they stay 0 and say nothing.
            var quota = info.Limits?.CpuQuotaMicroseconds ?? 0;
            var limited = quota > 0;
            SetCounter(s._cfsPeriods, ref _cfsPeriods, _values, limited ? counters.ThrottlePeriods : null);
            SetCounter(s._cfsThrottledPeriods, ref _cfsThrottledPeriods, _values, limited ? counters.ThrottledPeriods : null);
            SetCounter(s._cfsThrottledSeconds, ref _cfsThrottledSeconds, _values, limited ? Seconds(counters.ThrottledNanoseconds) : null);

            SetGauge(s._memoryUsage, ref _memoryUsage, counters.MemoryUsageBytes);
            SetGauge(s._memoryWorkingSet, ref _memoryWorkingSet, counters.MemoryWorkingSetBytes);
            SetGauge(s._memoryCache, ref _memoryCache, counters.MemoryCacheBytes);

            // The spec comes from inspect; a container known only from a listing or an event has none yet.
            SetGauge(s._specMemoryLimit, ref _specMemoryLimit, info.Limits?.MemoryLimitBytes);
            SetGauge(s._specCpuQuota, ref _specCpuQuota, limited ? quota : null);
            SetGauge(s._specCpuPeriod, ref _specCpuPeriod, info.Limits?.CpuPeriodMicroseconds);

            // Not measured (host and none networks) is no series at all, never a 0 that reads as an idle network.
            SetCounter(s._networkReceive, ref _networkReceive, _values, counters.NetRxBytes);
            SetCounter(s._networkTransmit, ref _networkTransmit, _values, counters.NetTxBytes);

            SetCounter(s._fsReads, ref _fsReads, _values, counters.BlockReadBytes);
            SetCounter(s._fsWrites, ref _fsWrites, _values, counters.BlockWriteBytes);
            SetGauge(s._processes, ref _processes, counters.Pids);
            SetCounter(s._oomEvents, ref _oomEvents, _values, info.OomEvents);
            SetGauge(s._startTime, ref _startTime, UnixSeconds(info.StartedAt ?? info.Created));
            SetGauge(s._lastSeen, ref _lastSeen, seen);
        }

        public void Remove(ContainerSeries s)
        {
            Drop(s._cpuUsage, ref _cpuUsage, _cpuValues);
            Drop(s._cpuUser, ref _cpuUser, _values);
            Drop(s._cpuSystem, ref _cpuSystem, _values);
            Drop(s._cfsPeriods, ref _cfsPeriods, _values);
            Drop(s._cfsThrottledPeriods, ref _cfsThrottledPeriods, _values);
            Drop(s._cfsThrottledSeconds, ref _cfsThrottledSeconds, _values);
            Drop(s._memoryUsage, ref _memoryUsage);
            Drop(s._memoryWorkingSet, ref _memoryWorkingSet);
            Drop(s._memoryCache, ref _memoryCache);
            Drop(s._specMemoryLimit, ref _specMemoryLimit);
            Drop(s._specCpuQuota, ref _specCpuQuota);
            Drop(s._specCpuPeriod, ref _specCpuPeriod);
            Drop(s._networkReceive, ref _networkReceive, _values);
            Drop(s._networkTransmit, ref _networkTransmit, _values);
            Drop(s._fsReads, ref _fsReads, _values);
            Drop(s._fsWrites, ref _fsWrites, _values);
            Drop(s._processes, ref _processes);
            Drop(s._oomEvents, ref _oomEvents, _values);
            Drop(s._startTime, ref _startTime);
            Drop(s._lastSeen, ref _lastSeen);
        }

        /// <summary>
        /// A counter that went down started over (a restart is a new cgroup): the series is created again from zero, so
        /// Prometheus sees a reset, which <c>rate()</c> handles, rather than a value that would stick at the old maximum.
        /// </summary>
        private static void SetCounter(Counter family, ref Counter.Child? child, string[] values, double? value)
        {
            if (value is not { } v)
            {
                Drop(family, ref child, values);
                return;
            }

            child ??= family.WithLabels(values);
            if (v < child.Value)
            {
                family.RemoveLabelled(values);
                child = family.WithLabels(values);
            }

            child.IncTo(v);
        }

        private void SetGauge(Gauge family, ref Gauge.Child? child, double? value)
        {
            if (value is not { } v)
            {
                Drop(family, ref child);
                return;
            }

            (child ??= family.WithLabels(_values)).Set(v);
        }

        private static void Drop(Counter family, ref Counter.Child? child, string[] values)
        {
            if (child is not null)
            {
                family.RemoveLabelled(values);
                child = null;
            }
        }

        private void Drop(Gauge family, ref Gauge.Child? child)
        {
            if (child is not null)
            {
                family.RemoveLabelled(_values);
                child = null;
            }
        }
    }
}
