using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.IntegrationTests.Storage;

/// <summary>Builders for rows the store tests write.</summary>
internal static class StoreSamples
{
    public static readonly DateTimeOffset BaseMinute = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static HostInfo Host(string id, string name = "docker-1") =>
        new(id, name, 4, 8L << 30, "Debian GNU/Linux 12", "6.1.0", "20.10.24", "1.41", "1", "cgroupfs", "cgroupfs-v1");

    public static ContainerInfo Container(
        string id,
        string hostId = "host-a",
        string name = "web",
        string state = ContainerState.Running,
        bool removed = false) =>
        new(
            id,
            hostId,
            name,
            "busybox:latest",
            new Dictionary<string, string> { ["com.docker.compose.project"] = "shop", ["tier"] = "front" },
            "shop",
            "web",
            state,
            "healthy",
            new DateTimeOffset(2026, 2, 28, 8, 30, 15, 123, TimeSpan.Zero),
            new DateTimeOffset(2026, 2, 28, 8, 30, 16, 456, TimeSpan.Zero),
            null,
            null,
            false,
            removed);

    /// <summary>An event of <paramref name="containerId"/> <paramref name="second"/> seconds (plus some nanoseconds) after <see cref="BaseMinute"/>.</summary>
    public static ContainerEvent Event(string containerId, string action, int second, string hostId = "host-a") =>
        new(
            containerId,
            hostId,
            action,
            ContainerEvent.ToUnixNanoseconds(BaseMinute.AddSeconds(second)) + 123_457,
            "web",
            "busybox:latest",
            null,
            null,
            null,
            new Dictionary<string, string> { ["name"] = "web", ["image"] = "busybox:latest", ["tier"] = "front" });

    public static MinuteAggregate Aggregate(string containerId, int minuteOffset, string hostId = "host-a", double cpu = 12.5, int samples = 60) =>
        new(
            containerId,
            hostId,
            BaseMinute.AddMinutes(minuteOffset),
            samples,
            cpu,
            cpu / 2,
            cpu * 2,
            cpu * 1.5,
            100_000_000 + minuteOffset,
            90_000_000,
            110_000_000,
            108_000_000,
            512L << 20,
            1_000 + minuteOffset,
            2_000,
            3_000,
            4_000,
            17,
            5_000_000,
            CpuTimeNanoseconds: 7_500_000_000 + minuteOffset,
            NetworkNamespace: containerId);
}
