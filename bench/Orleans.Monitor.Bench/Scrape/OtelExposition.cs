using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Metrics.Containers;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Orleans.Monitor.Bench.Scrape;

/// <summary>
/// The same container series (names, labels, values) as the product's exposition, built the OpenTelemetry way:
/// observable instruments whose callbacks read the frames at collection, exported by
/// OpenTelemetry.Exporter.Prometheus.AspNetCore (its response cache off, so each scrape collects).
/// </summary>
internal sealed class OtelExposition : IDisposable
{
    private readonly Meter _meter = new("Orleans.Monitor.Bench.Otel");
    private readonly Func<HostFrame> _frame;
    private readonly string[] _labelKeys;

    public OtelExposition(Func<HostFrame> frame, IReadOnlyList<string> labelKeys)
    {
        _frame = frame;
        _labelKeys = [.. labelKeys];
        Counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", c => c.CpuTotalNanoseconds / 1e9, cpu: true);
        Counter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", c => c.CpuUserNanoseconds / 1e9);
        Counter("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.", c => c.CpuKernelNanoseconds / 1e9);
        Counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", c => c.ThrottlePeriods);
        Counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", c => c.ThrottledPeriods);
        Counter("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", c => c.ThrottledNanoseconds / 1e9);
        Gauge("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", (c, _) => c.MemoryUsageBytes);
        Gauge("container_memory_working_set_bytes", "Current working set in bytes.", (c, _) => c.MemoryWorkingSetBytes);
        Gauge("container_memory_cache", "Number of bytes of page cache memory.", (c, _) => c.MemoryCacheBytes);
        Gauge("container_spec_memory_limit_bytes", "Memory limit for the container.", (_, l) => l.Container.Limits?.MemoryLimitBytes ?? 0);
        Gauge("container_spec_cpu_quota", "CPU quota of the container.", (_, l) => l.Container.Limits?.CpuQuotaMicroseconds ?? 0);
        Gauge("container_spec_cpu_period", "CPU period of the container.", (_, l) => l.Container.Limits?.CpuPeriodMicroseconds ?? 0);
        Counter("container_network_receive_bytes_total", "Cumulative count of bytes received", c => c.NetRxBytes ?? 0);
        Counter("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", c => c.NetTxBytes ?? 0);
        Counter("container_fs_reads_bytes_total", "Cumulative count of bytes read", c => c.BlockReadBytes);
        Counter("container_fs_writes_bytes_total", "Cumulative count of bytes written", c => c.BlockWriteBytes);
        Gauge("container_processes", "Number of processes running inside the container.", (c, _) => c.Pids);
        Counter("container_oom_events_total", "Count of out of memory events observed for the container", _ => 0);
        Gauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds.", (_, l) => (l.Container.StartedAt ?? l.Container.Created).ToUnixTimeSeconds());
        Gauge("container_last_seen", "Last time a container was seen by the exporter", (_, _) => DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_meter.Name)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            .Build();
    }

    public MeterProvider Provider { get; }

    public void Dispose()
    {
        Provider.Dispose();
        _meter.Dispose();
    }

    private void Counter(string name, string help, Func<ContainerCounters, double> value, bool cpu = false) =>
        _meter.CreateObservableCounter(name, () => Measure((c, _) => value(c), cpu), unit: null, description: help);

    private void Gauge(string name, string help, Func<ContainerCounters, ContainerLive, double> value) =>
        _meter.CreateObservableGauge(name, () => Measure(value, cpu: false), unit: null, description: help);

    private IEnumerable<Measurement<double>> Measure(Func<ContainerCounters, ContainerLive, double> value, bool cpu)
    {
        var frame = _frame();
        foreach (var live in frame.Containers)
        {
            if (live.Counters is not { } counters)
            {
                continue;
            }

            var tags = new TagList
            {
                { SeriesLabels.Host, frame.Host?.Name },
                { SeriesLabels.HostId, frame.HostId },
                { SeriesLabels.Id, SeriesLabels.ContainerId(live.Container.Id) },
                { SeriesLabels.Name, live.Container.Name },
                { SeriesLabels.Image, live.Container.Image },
            };
            foreach (var key in _labelKeys)
            {
                tags.Add(SeriesLabels.ContainerLabel(key), live.Container.Labels.GetValueOrDefault(key) ?? string.Empty);
            }

            if (cpu)
            {
                tags.Add(SeriesLabels.Cpu, "total");
            }

            yield return new Measurement<double>(value(counters, live), tags);
        }
    }
}
