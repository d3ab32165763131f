using System.Text.Json;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Stats.Cgroup;

/// <summary>The counters of one raw Docker stats frame that the cgroup source must agree with.</summary>
internal sealed record StatsApiFrame(
    ulong CpuTotal,
    ulong SystemCpu,
    int OnlineCpus,
    ulong ThrottlePeriods,
    ulong MemoryUsage,
    ulong MemoryLimit,
    ulong InactiveFile,
    ulong Pids,
    ulong PidsLimit,
    ulong NetRx,
    ulong NetTx)
{
    /// <summary>Takes one frame with <c>one-shot=true</c>: the collector's next tick, no precpu wait.</summary>
    public static async Task<StatsApiFrame> GetAsync(DockerEngine engine, string containerId, CancellationToken cancellationToken)
    {
        using var http = engine.CreateApiClient(TimeSpan.FromSeconds(15));
        var body = await http.GetStringAsync(
            new Uri($"/v1.41/containers/{containerId}/stats?stream=false&one-shot=true", UriKind.Relative), cancellationToken);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var cpu = root.GetProperty("cpu_stats");
        var memory = root.GetProperty("memory_stats");
        var pids = root.GetProperty("pids_stats");
        ulong rx = 0, tx = 0;
        if (root.TryGetProperty("networks", out var networks))
        {
            foreach (var network in networks.EnumerateObject())
            {
                rx += network.Value.GetProperty("rx_bytes").GetUInt64();
                tx += network.Value.GetProperty("tx_bytes").GetUInt64();
            }
        }

        return new StatsApiFrame(
            cpu.GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64(),
            cpu.GetProperty("system_cpu_usage").GetUInt64(),
            cpu.GetProperty("online_cpus").GetInt32(),
            cpu.TryGetProperty("throttling_data", out var throttling) ? throttling.GetProperty("periods").GetUInt64() : 0,
            memory.GetProperty("usage").GetUInt64(),
            memory.GetProperty("limit").GetUInt64(),
            memory.GetProperty("stats").TryGetProperty("total_inactive_file", out var inactive) ? inactive.GetUInt64() : 0,
            pids.TryGetProperty("current", out var current) ? current.GetUInt64() : 0,
            pids.TryGetProperty("limit", out var limit) ? limit.GetUInt64() : 0,
            rx,
            tx);
    }
}
