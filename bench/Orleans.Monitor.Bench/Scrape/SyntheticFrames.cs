using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Bench.Scrape;

/// <summary>
/// Host frames of N synthetic containers, shaped as a compose deployment labels them (12 labels each, of which the
/// default allow-list keeps 2), advanced by one second of counters per <see cref="Next"/>. They stand in for the
/// frames host grains push to the Api, because 1000 real containers are too many for this machine.
/// </summary>
internal sealed class SyntheticFrames
{
    public const string HostId = "BENCH:HOST:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001";

    private static readonly HostInfo Host = new(HostId, "bench-host", 2, 8L << 30, "Debian GNU/Linux 12", "6.1.0", "20.10.24", "1.41", "1", "cgroupfs", "cgroup");

    private readonly ContainerInfo[] _containers;
    private long _tick;

    public SyntheticFrames(int count)
    {
        _containers = new ContainerInfo[count];
        var created = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < count; i++)
        {
            var project = $"shop{i % 20}";
            var service = $"svc{i % 50}";
            var labels = new Dictionary<string, string>
            {
                ["com.docker.compose.project"] = project,
                ["com.docker.compose.service"] = service,
                ["com.docker.compose.container-number"] = (i % 3 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["com.docker.compose.oneoff"] = "False",
                ["com.docker.compose.config-hash"] = Convert.ToHexStringLower(BitConverter.GetBytes((long)i * 7919)) + "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718",
                ["com.docker.compose.project.config_files"] = $"/srv/{project}/docker-compose.yml",
                ["com.docker.compose.project.working_dir"] = $"/srv/{project}",
                ["com.docker.compose.version"] = "1.29.2",
                ["com.docker.compose.image"] = "sha256:" + Convert.ToHexStringLower(BitConverter.GetBytes((long)i % 50)) + "0123456789abcdef0123456789abcdef0123456789abcdef",
                ["org.opencontainers.image.source"] = $"https://example.invalid/{project}/{service}",
                ["org.opencontainers.image.version"] = $"1.{i % 7}.0",
                ["maintainer"] = "ops@example.invalid",
            };
            var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
            _containers[i] = new ContainerInfo(
                id, HostId, $"{project}_{service}_{i % 3 + 1}_{i}", $"registry.example.invalid/{project}/{service}:1.{i % 7}.0", labels,
                project, service, ContainerState.Running, null, created, created, null, null, false, false,
                Limits: new ContainerLimits(i % 2 == 0 ? 50_000 : 0, 100_000, i % 3 == 0 ? 256L << 20 : 0));
        }
    }

    public int Count => _containers.Length;

    /// <summary>The next second's frame of the one synthetic host.</summary>
    public HostFrame Next()
    {
        var tick = ++_tick;
        var live = ImmutableArray.CreateBuilder<ContainerLive>(_containers.Length);
        for (var i = 0; i < _containers.Length; i++)
        {
            var cpu = (ulong)(tick * 10_000_000L * (1 + i % 5));
            var counters = new ContainerCounters(
                cpu, cpu * 7 / 10, cpu * 3 / 10, (ulong)tick * 10, (ulong)tick * (ulong)(i % 3), (ulong)tick * 1_000_000,
                (ulong)(50L << 20) + (ulong)i * 4096, (ulong)(40L << 20) + (ulong)i * 4096, 10UL << 20,
                (ulong)tick * 1500, (ulong)tick * 900, (ulong)tick * 4096, (ulong)tick * 8192, (ulong)(1 + i % 4));
            live.Add(new ContainerLive(_containers[i], null, Counters: counters));
        }

        return new HostFrame(tick, DateTimeOffset.UtcNow, Host, HostId, HostStatus.Up, DateTimeOffset.UtcNow, null, live.MoveToImmutable(),
            SamplingDuration: TimeSpan.FromMilliseconds(12));
    }

    /// <summary>The same frame without the raw counters, as frames were before the exposition needed them.</summary>
    public static HostFrame WithoutCounters(HostFrame frame) =>
        frame with { Containers = [.. frame.Containers.Select(c => c with { Counters = null })] };
}
