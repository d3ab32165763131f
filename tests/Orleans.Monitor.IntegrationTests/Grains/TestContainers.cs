using System.Security.Cryptography;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Grains;

/// <summary>Host facts and containers as the daemon watcher would report them, for grain tests without Docker.</summary>
internal static class TestContainers
{
    public const long HostMemoryBytes = 8L << 30;

    /// <summary>A fresh 64-hex container id, so tests sharing a cluster never share a grain.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static HostInfo Host(string hostId) =>
        new(hostId, "docker-host", 2, HostMemoryBytes, "Debian GNU/Linux 12", "6.1.0", "20.10.24", "1.41", "1", "cgroupfs", "scripted");

    public static ContainerInfo Info(string hostId, string id, string name, string state, DateTimeOffset startedAt, int? exitCode = null) =>
        new(id, hostId, name, "busybox:local", new Dictionary<string, string> { ["test"] = "grains" }, null, null,
            state, null, startedAt.AddSeconds(-1), startedAt, state == ContainerState.Exited ? startedAt.AddMinutes(1) : null, exitCode, false, false);

    /// <summary>A running container: its assignment carries the target a stats source reads.</summary>
    public static ContainerAssignment Running(string hostId, string id, string name, DateTimeOffset startedAt, int pid = 4242) =>
        new(Info(hostId, id, name, ContainerState.Running, startedAt), new ContainerTarget(id, pid, startedAt), HostMemoryBytes);

    /// <summary>A stopped container: nothing to read.</summary>
    public static ContainerAssignment Exited(string hostId, string id, string name, DateTimeOffset startedAt, int exitCode) =>
        new(Info(hostId, id, name, ContainerState.Exited, startedAt, exitCode), null, HostMemoryBytes);
}
