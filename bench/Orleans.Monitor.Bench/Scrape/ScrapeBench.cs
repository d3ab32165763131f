using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Metrics.Hosting;
using Orleans.Serialization;
using Prometheus;

namespace Orleans.Monitor.Bench.Scrape;

/// <summary>Options of one scrape measurement.</summary>
/// <param name="Dump">When set, the last scrape of each exposition is written into this folder.</param>
internal sealed record ScrapeSettings(IReadOnlyList<int> Counts, int Scrapes, int Warmup, DirectoryInfo? Dump = null);

/// <summary>
/// Scrape cost and size at N synthetic containers: the product's exposition (prometheus-net, the Api's own code path
/// from frames to <c>/metrics</c>), the same series through the OpenTelemetry Prometheus exporter, and a
/// cAdvisor-style exposition of the same containers. Each is served by Kestrel on 127.0.0.1 in this process and scraped
/// over HTTP one after another; CPU is this process's (server and client) per scrape.
/// </summary>
internal static class ScrapeBench
{
    public static async Task<int> RunAsync(ScrapeSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync($"Scrape bench: {settings.Scrapes} scrapes per exposition after {settings.Warmup} warm-up scrapes; {Environment.ProcessorCount} CPUs; .NET {Environment.Version}");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| Containers | Exposition | Series | Bytes per scrape | CPU ms per scrape (median) | CPU ms per scrape (mean) | Wall ms (median) | KB allocated per scrape |");
        await output.WriteLineAsync("|---:|---|---:|---:|---:|---:|---:|---:|");
        var notes = new List<string>();
        foreach (var count in settings.Counts)
        {
            var frames = new SyntheticFrames(count);
            var current = frames.Next();
            HostFrame Frame() => current;

            await using (var ours = await ServeAsync(app =>
            {
                app.Services.AddFrameExposition(
                    MetricsSettings.Read(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()),
                    _ => _ => ValueTask.FromResult<IReadOnlyCollection<HostFrame>>([Frame()]));
            }, app => app.MapFrameExposition()))
            {
                await MeasureAsync("ours: prometheus-net from frames", ours, count, settings, () => current = frames.Next(), output, cancellationToken);
                current = current with { Containers = current.Containers.RemoveRange(0, 10) };
                notes.Add($"N = {count}, ours: series of 10 removed containers at the next scrape: {await SeriesOfRemovedAsync(ours, frames, cancellationToken)}");
            }

            current = frames.Next();
            using var otel = new OtelExposition(Frame, MetricsSettings.DefaultLabels);
            await using (var server = await ServeAsync(_ => { }, app => app.UseOpenTelemetryPrometheusScrapingEndpoint(otel.Provider, null!, "/metrics", null!, null!)))
            {
                await MeasureAsync("OpenTelemetry.Exporter.Prometheus.AspNetCore", server, count, settings, () => current = frames.Next(), output, cancellationToken);
                current = current with { Containers = current.Containers.RemoveRange(0, 10) };
                notes.Add($"N = {count}, OpenTelemetry exporter: series of 10 removed containers at the next scrape: {await SeriesOfRemovedAsync(server, frames, cancellationToken)}");
            }

            current = frames.Next();
            var cadvisor = new CadvisorStyleExposition(Frame);
            await using (var server = await ServeAsync(_ => { }, app => app.MapMetrics("/metrics", cadvisor.Registry)))
            {
                await MeasureAsync("cAdvisor-style (all labels, per interface/device)", server, count, settings, () => current = frames.Next(), output, cancellationToken);
            }

            notes.Add(FrameSizes(frames.Next()));
        }

        await output.WriteLineAsync();
        foreach (var note in notes)
        {
            await output.WriteLineAsync("- " + note);
        }

        return 0;
    }

    private static async Task MeasureAsync(
        string name, Served server, int count, ScrapeSettings settings, Action advance, TextWriter output, CancellationToken cancellationToken)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            advance();
            await server.ScrapeAsync(cancellationToken);
        }

        var process = Process.GetCurrentProcess();
        var cpu = new List<double>();
        var wall = new List<double>();
        long bytes = 0;
        var series = 0;
        long allocated = 0;
        var last = string.Empty;
        for (var i = 0; i < settings.Scrapes; i++)
        {
            advance();
            GC.Collect();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var started = Stopwatch.GetTimestamp();
            var body = await server.ScrapeAsync(cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            allocated += GC.GetTotalAllocatedBytes() - allocatedBefore;
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            wall.Add(elapsed.TotalMilliseconds);
            bytes = body.Length;
            last = body;
            series = body.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        }

        cpu.Sort();
        wall.Sort();
        if (settings.Dump is { } dump)
        {
            dump.Create();
            var file = string.Concat(name.TakeWhile(c => c != ' ').Where(char.IsAsciiLetterOrDigit));
            await File.WriteAllTextAsync(Path.Combine(dump.FullName, $"{count}-{file}.txt"), last, cancellationToken);
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"| {count} | {name} | {series} | {bytes} | {cpu[cpu.Count / 2]:F1} | {cpu.Average():F1} | {wall[wall.Count / 2]:F1} | {allocated / settings.Scrapes / 1024.0:F0} |"));
    }

    private static async Task<string> SeriesOfRemovedAsync(Served server, SyntheticFrames frames, CancellationToken cancellationToken)
    {
        var body = await server.ScrapeAsync(cancellationToken);
        var first = frames.Next().Containers[0].Container.Id;
        return body.Split('\n').Count(l => l.Contains(first, StringComparison.Ordinal) && l[0] != '#').ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>What carrying the raw counters costs each frame on the wire between a silo and the Api.</summary>
    private static string FrameSizes(HostFrame frame)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var with = serializer.SerializeToArray(frame).Length;
        var without = serializer.SerializeToArray(SyntheticFrames.WithoutCounters(frame)).Length;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"N = {frame.Containers.Length}: HostFrame serialized {with} bytes with raw counters, {without} without (+{(with - without) / (double)frame.Containers.Length:F0} bytes per container per frame)");
    }

    private static async Task<Served> ServeAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        configure(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Served(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private sealed class Served(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public async Task<string> ScrapeAsync(CancellationToken cancellationToken)
        {
            using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.DisposeAsync();
        }
    }
}
