using System.Text.Json;
using Orleans.Monitor.Grains.Docker.Json;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;

namespace Orleans.Monitor.UnitTests.Stats;

/// <summary>Recorded and synthetic stats frames, mapped the way the API source maps them.</summary>
internal static class StatsFrames
{
    public const long HostMemTotal = 25276514304;

    public static readonly DateTimeOffset WindowsEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static StatsJson Parse(string json) =>
        JsonSerializer.Deserialize(json, StatsJsonContext.Default.StatsJson) ?? throw new InvalidOperationException("null frame");

    public static StatsJson Load(string file) => Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Frames", file)));

    public static IReadOnlyList<StatsJson> LoadLines(string file) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Frames", file)).Where(l => l.Length > 0).Select(Parse).ToList();

    public static CounterReading Current(StatsJson frame)
    {
        var result = DockerStatsMapper.Map(frame, WindowsEpoch);
        Assert.Equal(ReadingStatus.Ok, result.Status);
        return result.Reading;
    }

    /// <summary>The frame's precpu side as a reading of its own, at <c>preread</c>.</summary>
    public static StatsReadResult Previous(StatsJson frame) =>
        DockerStatsMapper.Map(frame with { Read = frame.Preread, CpuStats = frame.PrecpuStats }, WindowsEpoch);
}
