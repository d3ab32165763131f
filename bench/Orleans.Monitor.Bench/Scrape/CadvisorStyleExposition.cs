using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Metrics.Containers;
using Prometheus;

namespace Orleans.Monitor.Bench.Scrape;

/// <summary>
/// What cAdvisor exposes for the same containers with its defaults (<c>--store_container_labels=true</c>): every Docker
/// label of every container as a <c>container_label_*</c> label on every series (the union over all containers, empty
/// where a container lacks one), network series per interface (two here: eth0, eth1) and filesystem series per
/// device, on the same 20 families. cAdvisor emits some 50 more families per container by default; they are left out,
/// so this understates its size. Built with prometheus-net like ours, so the difference is the label set alone.
/// </summary>
internal sealed class CadvisorStyleExposition
{
    private static readonly string[] Interfaces = ["eth0", "eth1"];
    private static readonly string[] Devices = ["/dev/sda"];

    private readonly HostFrame _first;

    public CadvisorStyleExposition(Func<HostFrame> frame)
    {
        _first = frame();
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var keys = _first.Containers.SelectMany(c => c.Container.Labels.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        string[] names = [SeriesLabels.Id, SeriesLabels.Name, SeriesLabels.Image, .. keys.Select(SeriesLabels.ContainerLabel)];
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var plain = new (string Name, string Help, bool Counter, Func<Orleans.Monitor.Contracts.Metrics.ContainerCounters, double> Value)[]
        {
            ("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", true, c => c.CpuTotalNanoseconds / 1e9),
            ("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", true, c => c.CpuUserNanoseconds / 1e9),
            ("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.", true, c => c.CpuKernelNanoseconds / 1e9),
            ("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", true, c => c.ThrottlePeriods),
            ("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", true, c => c.ThrottledPeriods),
            ("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", true, c => c.ThrottledNanoseconds / 1e9),
            ("container_memory_usage_bytes", "Current memory usage in bytes.", false, c => c.MemoryUsageBytes),
            ("container_memory_working_set_bytes", "Current working set in bytes.", false, c => c.MemoryWorkingSetBytes),
            ("container_memory_cache", "Number of bytes of page cache memory.", false, c => c.MemoryCacheBytes),
            ("container_spec_memory_limit_bytes", "Memory limit for the container.", false, _ => 0),
            ("container_spec_cpu_quota", "CPU quota of the container.", false, _ => 50_000),
            ("container_spec_cpu_period", "CPU period of the container.", false, _ => 100_000),
            ("container_processes", "Number of processes running inside the container.", false, c => c.Pids),
            ("container_oom_events_total", "Count of out of memory events observed for the container", true, _ => 0),
            ("container_start_time_seconds", "Start time of the container since unix epoch in seconds.", false, _ => 1.7e9),
            ("container_last_seen", "Last time a container was seen by the exporter", false, _ => 1.7e9),
        };
        var perInterface = new (string Name, string Help, Func<Orleans.Monitor.Contracts.Metrics.ContainerCounters, double> Value)[]
        {
            ("container_network_receive_bytes_total", "Cumulative count of bytes received", c => (c.NetRxBytes ?? 0) / 2.0),
            ("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", c => (c.NetTxBytes ?? 0) / 2.0),
        };
        var perDevice = new (string Name, string Help, Func<Orleans.Monitor.Contracts.Metrics.ContainerCounters, double> Value)[]
        {
            ("container_fs_reads_bytes_total", "Cumulative count of bytes read", c => c.BlockReadBytes),
            ("container_fs_writes_bytes_total", "Cumulative count of bytes written", c => c.BlockWriteBytes),
        };

        var plainFamilies = plain.Select(p => (p, Collector: p.Counter
            ? (object)factory.CreateCounter(p.Name, p.Help, p.Name == "container_cpu_usage_seconds_total" ? [.. names, "cpu"] : names)
            : factory.CreateGauge(p.Name, p.Help, names))).ToArray();
        var interfaceFamilies = perInterface.Select(p => (p, Counter: factory.CreateCounter(p.Name, p.Help, [.. names, "interface"]))).ToArray();
        var deviceFamilies = perDevice.Select(p => (p, Counter: factory.CreateCounter(p.Name, p.Help, [.. names, "device"]))).ToArray();

        Registry.AddBeforeCollectCallback(() =>
        {
            var current = frame();
            foreach (var live in current.Containers)
            {
                if (live.Counters is not { } c)
                {
                    continue;
                }

                var values = new string[names.Length];
                values[0] = SeriesLabels.ContainerId(live.Container.Id);
                values[1] = live.Container.Name;
                values[2] = live.Container.Image;
                for (var i = 0; i < keys.Length; i++)
                {
                    values[3 + i] = live.Container.Labels.GetValueOrDefault(keys[i]) ?? string.Empty;
                }

                foreach (var (p, collector) in plainFamilies)
                {
                    switch (collector)
                    {
                        case Counter counter when p.Name == "container_cpu_usage_seconds_total":
                            counter.WithLabels([.. values, "total"]).IncTo(p.Value(c));
                            break;
                        case Counter counter:
                            counter.WithLabels(values).IncTo(p.Value(c));
                            break;
                        case Gauge gauge:
                            gauge.WithLabels(values).Set(p.Value(c));
                            break;
                        default:
                            break;
                    }
                }

                foreach (var (p, counter) in interfaceFamilies)
                {
                    foreach (var name in Interfaces)
                    {
                        counter.WithLabels([.. values, name]).IncTo(p.Value(c));
                    }
                }

                foreach (var (p, counter) in deviceFamilies)
                {
                    foreach (var device in Devices)
                    {
                        counter.WithLabels([.. values, device]).IncTo(p.Value(c));
                    }
                }
            }
        });
    }

    public CollectorRegistry Registry { get; }
}
