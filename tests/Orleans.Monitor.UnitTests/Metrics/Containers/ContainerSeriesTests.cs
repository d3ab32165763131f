using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Prometheus;

namespace Orleans.Monitor.UnitTests.Metrics.Containers;

public sealed class ContainerSeriesTests : IDisposable
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static readonly string[] CadvisorNames =
    [
        "container_cpu_usage_seconds_total", "container_cpu_user_seconds_total", "container_cpu_system_seconds_total",
        "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_throttled_seconds_total",
        "container_memory_usage_bytes", "container_memory_working_set_bytes", "container_memory_cache",
        "container_spec_memory_limit_bytes", "container_spec_cpu_quota", "container_spec_cpu_period",
        "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
        "container_fs_reads_bytes_total", "container_fs_writes_bytes_total", "container_processes",
        "container_oom_events_total", "container_start_time_seconds", "container_last_seen",
    ];

    private static readonly ContainerLimits HalfCpu64M = new(50_000, 100_000, 64L << 20);

    private readonly Scrape _scrape = new();

    public void Dispose() => _scrape.Dispose();

    [Fact]
    public async Task Scrape_LimitedContainer_HasEveryCadvisorSeriesWithItsTypeAndLabels()
    {
        var labels = new Dictionary<string, string> { ["com.docker.compose.project"] = "shop", ["com.docker.compose.service"] = "web", ["secret.token"] = "hunter2" };
        _scrape.Frames = [Scrape.Frame(new ContainerLive(Scrape.Info(Id, "web-1", labels, HalfCpu64M), null, Counters: Scrape.Counters()))];

        var text = await _scrape.TextAsync();
        var series = Scrape.Parse(text).Where(s => s.Name.StartsWith("container_", StringComparison.Ordinal)).ToList();

        Assert.Equal(CadvisorNames.Order(StringComparer.Ordinal), series.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.All(series, s =>
        {
            Assert.Equal(("node-1", Scrape.HostId, "/docker/" + Id, "web-1", "busybox:local"), (s.Label("host"), s.Label("host_id"), s.Label("id"), s.Label("name"), s.Label("image")));
            Assert.Equal(("shop", "web", ""), (s.Label("container_label_com_docker_compose_project"), s.Label("container_label_com_docker_compose_service"), s.Label("container_label_com_docker_swarm_service_name")));
            Assert.DoesNotContain(s.Labels.Keys, k => k.Contains("secret", StringComparison.Ordinal));
        });
        Assert.Equal("total", series.Single(s => s.Name == "container_cpu_usage_seconds_total").Label("cpu"));
        Assert.Contains("# TYPE container_cpu_usage_seconds_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE container_memory_cache gauge", text, StringComparison.Ordinal);
        Assert.Contains("# HELP container_last_seen Last time a container was seen by the exporter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_Counters_AreTheRawCumulativeValuesInBaseUnits()
    {
        _scrape.Frames = [Scrape.Frame(new ContainerLive(Scrape.Info(Id, "web-1", limits: HalfCpu64M, oomEvents: 2), null, Counters: Scrape.Counters()))];

        var values = (await _scrape.SeriesAsync()).ToDictionary(s => s.Name, s => s.Value);

        Assert.Equal(2.5, values["container_cpu_usage_seconds_total"]);
        Assert.Equal((1.5, 1.0), (values["container_cpu_user_seconds_total"], values["container_cpu_system_seconds_total"]));
        Assert.Equal((40.0, 7.0, 0.3), (values["container_cpu_cfs_periods_total"], values["container_cpu_cfs_throttled_periods_total"], values["container_cpu_cfs_throttled_seconds_total"]));
        Assert.Equal((67_108_864.0, 62_914_560.0, 4_194_304.0), (values["container_memory_usage_bytes"], values["container_memory_working_set_bytes"], values["container_memory_cache"]));
        Assert.Equal((67_108_864.0, 50_000.0, 100_000.0), (values["container_spec_memory_limit_bytes"], values["container_spec_cpu_quota"], values["container_spec_cpu_period"]));
        Assert.Equal((1000.0, 2000.0, 8192.0, 16384.0), (values["container_network_receive_bytes_total"], values["container_network_transmit_bytes_total"], values["container_fs_reads_bytes_total"], values["container_fs_writes_bytes_total"]));
        Assert.Equal((3.0, 2.0), (values["container_processes"], values["container_oom_events_total"]));
        Assert.Equal((1_700_000_100.0, 1_800_000_000.0), (values["container_start_time_seconds"], values["container_last_seen"]));
    }

    [Fact]
    public async Task Scrape_ContainerLeavesTheFrames_ItsSeriesLeaveTheExposition()
    {
        var other = new string('f', 64);
        _scrape.Frames = [Scrape.Frame(Live(Id, "a"), Live(other, "b"))];
        Assert.Equal(2, (await _scrape.SeriesAsync()).Count(s => s.Name == "container_last_seen"));

        _scrape.Frames = [Scrape.Frame(Live(other, "b"))];
        var series = await _scrape.SeriesAsync();

        Assert.DoesNotContain(series, s => s.Label("id") == "/docker/" + Id);
        Assert.Single(series, s => s.Name == "container_last_seen");
    }

    [Fact]
    public async Task Scrape_StoppedContainerOrDownHost_HasNoContainerSeriesAndHostUpSaysSo()
    {
        var stopped = new ContainerLive(Scrape.Info(Id, "stopped") with { State = ContainerState.Exited }, null, null);
        _scrape.Frames = [Scrape.Frame(stopped)];
        Assert.DoesNotContain(await _scrape.SeriesAsync(), s => s.Name.StartsWith("container_", StringComparison.Ordinal));

        _scrape.Frames = [Scrape.Frame(HostStatus.Down, Live(Id, "running"))];
        var series = await _scrape.SeriesAsync();

        Assert.DoesNotContain(series, s => s.Name.StartsWith("container_", StringComparison.Ordinal));
        Assert.Equal(0, series.Single(s => s.Name == "orleans_monitor_host_up").Value);
        Assert.Equal(1, series.Single(s => s.Name == "orleans_monitor_host_containers").Value);
    }

    [Fact]
    public async Task Scrape_CounterGoesDown_StartsOverRatherThanStickingAtTheOldValue()
    {
        _scrape.Frames = [Scrape.Frame(new ContainerLive(Scrape.Info(Id, "a"), null, Counters: Scrape.Counters(cpuNanoseconds: 9_000_000_000)))];
        await _scrape.SeriesAsync();

        // A restart is a new cgroup: counters start from zero again.
        _scrape.Frames = [Scrape.Frame(new ContainerLive(Scrape.Info(Id, "a"), null, Counters: Scrape.Counters(cpuNanoseconds: 1_000_000_000)))];

        Assert.Equal(1.0, (await _scrape.SeriesAsync()).Single(s => s.Name == "container_cpu_usage_seconds_total").Value);
    }

    [Fact]
    public async Task Scrape_NetworkNotMeasuredAndNoQuota_OmitsThoseSeriesAndKeepsThePeriod()
    {
        var info = Scrape.Info(Id, "a", limits: new ContainerLimits(0, 100_000, 0));
        _scrape.Frames = [Scrape.Frame(new ContainerLive(info, null, Counters: Scrape.Counters(netRx: null, netTx: null)))];

        var names = (await _scrape.SeriesAsync()).Select(s => s.Name).ToHashSet();

        Assert.DoesNotContain("container_network_receive_bytes_total", names);
        Assert.DoesNotContain("container_network_transmit_bytes_total", names);
        Assert.DoesNotContain("container_cpu_cfs_periods_total", names);
        Assert.DoesNotContain("container_spec_cpu_quota", names);
        Assert.Contains("container_spec_cpu_period", names);
        Assert.Contains("container_spec_memory_limit_bytes", names);
    }

    [Fact]
    public async Task Scrape_ContainerRenamed_HasOnlyTheNewName()
    {
        _scrape.Frames = [Scrape.Frame(Live(Id, "old"))];
        await _scrape.SeriesAsync();
        _scrape.Frames = [Scrape.Frame(Live(Id, "new"))];

        var names = (await _scrape.SeriesAsync()).Where(s => s.Name == "container_cpu_usage_seconds_total").Select(s => s.Label("name"));

        Assert.Equal(["new"], names);
    }

    [Fact]
    public async Task Scrape_OwnAllowList_SanitizesKeysAsCadvisorDoes()
    {
        using var scrape = new Scrape(["team.name", "com.example/tier"]);
        var labels = new Dictionary<string, string> { ["team.name"] = "payments", ["com.docker.compose.project"] = "shop" };
        scrape.Frames = [Scrape.Frame(new ContainerLive(Scrape.Info(Id, "a", labels), null, Counters: Scrape.Counters()))];

        var series = (await scrape.SeriesAsync()).First(s => s.Name == "container_processes");

        Assert.Equal(("payments", ""), (series.Label("container_label_team_name"), series.Label("container_label_com_example_tier")));
        Assert.False(series.Labels.ContainsKey("container_label_com_docker_compose_project"));
    }

    [Fact]
    public async Task Scrape_OpenMetricsAsked_WritesOpenMetricsWithEof()
    {
        _scrape.Frames = [Scrape.Frame(Live(Id, "a"))];

        var text = await _scrape.TextAsync(ExpositionFormat.OpenMetricsText);

        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE container_cpu_usage_seconds counter", text, StringComparison.Ordinal);
        Assert.Contains("container_cpu_usage_seconds_total{", text, StringComparison.Ordinal);
    }

    private static ContainerLive Live(string id, string name) => new(Scrape.Info(id, name, limits: HalfCpu64M), null, Counters: Scrape.Counters());
}
