using Orleans.Monitor.Contracts.Containers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Docker;

/// <summary>A fact that runs only when OM_MEASURE=1: measurements take minutes and load the machine.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("OM_MEASURE") != "1")
        {
            Skip = "Measurement; run with OM_MEASURE=1.";
        }
    }
}

/// <summary>
/// What each way of reading the stats API costs the daemon side (dockerd + containerd + shims), measured on a
/// private engine with idle containers. The figures back docs/adr/0002-docker-stats-collection.md.
/// </summary>
public sealed class DockerStatsCostMeasurement(ITestOutputHelper output)
{
    private const int Containers = 20;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);

    [MeasurementFact]
    public async Task MeasureDaemonCpu_StreamVersusOneShot()
    {
        var engine = new DockerEngine();
        IAsyncLifetime lifetime = engine;
        await lifetime.InitializeAsync();
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < Containers; i++)
            {
                ids.Add(await engine.RunContainerAsync([], "sleep", "3600"));
            }

            using var client = DockerTestClient.Create(engine);
            await Task.Delay(TimeSpan.FromSeconds(3));

            var baseline = await MeasureAsync(engine, _ => Task.FromResult(0));
            var stream = await MeasureAsync(engine, ct => StreamAsync(client, ids, ct));
            var oneShot = await MeasureAsync(engine, ct => OneShotAsync(client, ids, ct));

            Report("baseline (no readers)", baseline, null);
            Report($"{Containers} x stream=true", stream, baseline);
            Report($"{Containers} x one-shot loops", oneShot, baseline);
        }
        finally
        {
            await lifetime.DisposeAsync();
        }
    }

    private void Report(string name, (double Daemon, double Client, int Samples) m, (double Daemon, double Client, int Samples)? baseline)
    {
        var extra = baseline is { } b && m.Samples > 0
            ? string.Create(CultureInfo.InvariantCulture, $", {(m.Daemon - b.Daemon) * 1000 / m.Samples:F2} ms daemon and {(m.Client - b.Client) * 1000 / m.Samples:F2} ms client per container-sample")
            : string.Empty;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: daemon side {m.Daemon:F2} s CPU / {Window.TotalSeconds} s, client {m.Client:F2} s, {m.Samples} samples{extra}"));
    }

    private static async Task<(double Daemon, double Client, int Samples)> MeasureAsync(DockerEngine engine, Func<CancellationToken, Task<int>> work)
    {
        using var cts = new CancellationTokenSource();
        var daemonBefore = DaemonCpuSeconds(engine);
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        cts.CancelAfter(Window);
        var samples = await work(cts.Token);
        if (!cts.IsCancellationRequested)
        {
            await Task.Delay(Window);
        }

        var daemon = DaemonCpuSeconds(engine) - daemonBefore;
        var client = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds;
        return (daemon, client, samples);
    }

    private static async Task<int> StreamAsync(DockerDaemon client, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var source = new DockerApiStatsSource(client, TimeProvider.System, NullLogger<DockerApiStatsSource>.Instance);
        var readers = ids.Select(id => source.CreateReader(new ContainerTarget(id, 0, default))).ToList();
        var samples = 0;
        try
        {
            // What a host grain does: every second, ask each reader for its newest frame.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var results = await Task.WhenAll(readers.Select(r => r.ReadAsync(cancellationToken).AsTask()));
                samples += results.Count(r => r.Status == ReadingStatus.Ok);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The window is over.
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }

        return samples;
    }

    private static async Task<int> OneShotAsync(DockerDaemon client, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(ids.Select(async id =>
        {
            var count = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await client.GetStatsOnceAsync(id, cancellationToken);
                    count++;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            }

            return count;
        }));
        return counts.Sum();
    }

    /// <summary>utime + stime of dockerd and every process started for this engine (containerd, shims).</summary>
    private static double DaemonCpuSeconds(DockerEngine engine)
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (pid != engine.DaemonPid && !(cmdline.Contains(engine.Root, StringComparison.Ordinal) && cmdline.Contains("containerd", StringComparison.Ordinal)))
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After the command: state is field 3; utime and stime are fields 14 and 15.
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return ticks / 100.0;
    }
}
