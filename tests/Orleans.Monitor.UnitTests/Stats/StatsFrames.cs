using Docker.DotNet.Models;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.UnitTests.Docker;

namespace Orleans.Monitor.UnitTests.Stats;

/// <summary>Recorded and synthetic stats frames, read into Docker.DotNet's model and mapped the way the API source maps them.</summary>
internal static class StatsFrames
{
    public const long HostMemTotal = 25276514304;

    public static readonly DateTimeOffset WindowsEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static ContainerStatsResponse Parse(string json) => DockerModels.Parse<ContainerStatsResponse>(json);

    public static ContainerStatsResponse Load(string file) => Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Frames", file)));

    public static IReadOnlyList<ContainerStatsResponse> LoadLines(string file) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Frames", file)).Where(l => l.Length > 0).Select(Parse).ToList();

    public static CounterReading Current(ContainerStatsResponse frame)
    {
        var result = DockerStatsMapper.Map(frame, WindowsEpoch);
        Assert.Equal(ReadingStatus.Ok, result.Status);
        return result.Reading;
    }

    /// <summary>The frame's precpu side as a reading of its own, at <c>preread</c>.</summary>
    public static StatsReadResult Previous(ContainerStatsResponse frame) =>
        DockerStatsMapper.Map(WithCpu(frame, frame.PreRead, frame.PreCPUStats), WindowsEpoch);

    /// <summary>A copy of <paramref name="frame"/> read at <paramref name="read"/> with <paramref name="cpu"/> as its CPU side.</summary>
    public static ContainerStatsResponse WithCpu(ContainerStatsResponse frame, DateTime read, CPUStats? cpu) => new()
    {
        ID = frame.ID,
        Name = frame.Name,
        OSType = frame.OSType,
        Read = read,
        PreRead = frame.PreRead,
        NumProcs = frame.NumProcs,
        CPUStats = cpu,
        PreCPUStats = frame.PreCPUStats,
        MemoryStats = frame.MemoryStats,
        PidsStats = frame.PidsStats,
        BlkioStats = frame.BlkioStats,
        StorageStats = frame.StorageStats,
        Networks = frame.Networks,
    };
}
