using System.Text.Json;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Grains.Containers;

/// <summary>What dockerd's own stats API says about a container: the truth the monitor's numbers are checked against.</summary>
/// <param name="HasNetworks">Whether the frame has a <c>networks</c> object at all (absent: Docker measures no network).</param>
internal sealed record EngineStats(bool HasNetworks, ulong NetRx, ulong NetTx, ulong BlockRead, ulong BlockWrite, ulong CpuTotal, ulong MemoryUsage)
{
    /// <summary>One raw <c>/containers/{id}/stats?stream=false&amp;one-shot=true</c> frame.</summary>
    public static async Task<EngineStats> GetAsync(DockerEngine engine, string containerId)
    {
        using var http = engine.CreateApiClient(TimeSpan.FromSeconds(15));
        var body = await http.GetStringAsync(new Uri($"/v1.41/containers/{containerId}/stats?stream=false&one-shot=true", UriKind.Relative));
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        ulong rx = 0, tx = 0, read = 0, write = 0;
        var hasNetworks = root.TryGetProperty("networks", out var networks);
        if (hasNetworks)
        {
            foreach (var network in networks.EnumerateObject())
            {
                rx += network.Value.GetProperty("rx_bytes").GetUInt64();
                tx += network.Value.GetProperty("tx_bytes").GetUInt64();
            }
        }

        if (root.GetProperty("blkio_stats").TryGetProperty("io_service_bytes_recursive", out var blkio) && blkio.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in blkio.EnumerateArray())
            {
                var op = entry.GetProperty("op").GetString() ?? string.Empty;
                var value = entry.GetProperty("value").GetUInt64();
                if (op.StartsWith('R') || op.StartsWith('r'))
                {
                    read += value;
                }
                else if (op.StartsWith('W') || op.StartsWith('w'))
                {
                    write += value;
                }
            }
        }

        var memory = root.GetProperty("memory_stats");
        return new EngineStats(
            hasNetworks,
            rx,
            tx,
            read,
            write,
            root.GetProperty("cpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64(),
            memory.TryGetProperty("usage", out var usage) ? usage.GetUInt64() : 0);
    }
}
