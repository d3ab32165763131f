using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Metrics.Exposition;
using Prometheus;

namespace Orleans.Monitor.UnitTests.Metrics.Containers;

/// <summary>An exposition over frames a test sets, scraped to text, and the series of a scrape parsed back.</summary>
internal sealed class Scrape : IDisposable
{
    public const string HostId = "AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:0000:1111:2222:3333:4444:5555";

    private readonly FrameExposition _exposition;

    public Scrape(ImmutableArray<string>? labels = null)
    {
        _exposition = new FrameExposition(
            labels ?? Orleans.Monitor.Metrics.Hosting.MetricsSettings.DefaultLabels,
            _ => ValueTask.FromResult<IReadOnlyCollection<HostFrame>>(Frames),
            meters: null);
    }

    public IReadOnlyCollection<HostFrame> Frames { get; set; } = [];

    public async Task<string> TextAsync(ExpositionFormat format = ExpositionFormat.PrometheusText)
    {
        using var stream = new MemoryStream();
        await _exposition.WriteAsync(stream, format, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Every sample line as (name, labels, value).</summary>
    public async Task<IReadOnlyList<Series>> SeriesAsync() => Parse(await TextAsync());

    public void Dispose() => _exposition.Dispose();

    public static IReadOnlyList<Series> Parse(string text)
    {
        var series = new List<Series>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var name = brace >= 0 ? line[..brace] : line[..space];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                var body = line[(brace + 1)..line.LastIndexOf('}')];
                foreach (var pair in body.Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 2)..].TrimEnd('"');
                }
            }

            series.Add(new Series(name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }

        return series;
    }

    public static HostFrame Frame(params ContainerLive[] containers) => Frame(HostStatus.Up, containers);

    public static HostFrame Frame(string status, params ContainerLive[] containers) => new(
        1,
        DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
        new HostInfo(HostId, "node-1", 2, 8L << 30, "Debian", "6.1", "20.10", "1.41", "1", "cgroupfs", "cgroup"),
        HostId,
        status,
        DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
        null,
        [.. containers],
        SamplingDuration: TimeSpan.FromMilliseconds(25));

    public static ContainerInfo Info(string id, string name, IReadOnlyDictionary<string, string>? labels = null, ContainerLimits? limits = null, int oomEvents = 0) => new(
        id, HostId, name, "busybox:local", labels ?? new Dictionary<string, string>(), null, null, ContainerState.Running, null,
        DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), DateTimeOffset.FromUnixTimeSeconds(1_700_000_100), null, null, false, false,
        Limits: limits, OomEvents: oomEvents);

    public static ContainerCounters Counters(ulong cpuNanoseconds = 2_500_000_000, ulong? netRx = 1000, ulong? netTx = 2000) =>
        new(cpuNanoseconds, 1_500_000_000, 1_000_000_000, 40, 7, 300_000_000, 64UL << 20, 60UL << 20, 4UL << 20, netRx, netTx, 8192, 16384, 3);
}

/// <summary>One sample line of a scrape.</summary>
internal sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.GetValueOrDefault(name) ?? "<absent>";
}
