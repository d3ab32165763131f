using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Orleans.Monitor.Bench.Latency;

/// <summary>One CPU reading of the watched container as seen by the hub client.</summary>
public readonly record struct CpuObservation(long ArrivedAt, double CpuPercent);

/// <summary>
/// Each trial: wait until the paused container reads idle, wait a random part of a second (so the change lands at
/// every phase of the 1 s sampling tick), note the time, <c>docker unpause</c>, and time the first sample at or over
/// the threshold to arrive on the hub; then pause again.
/// </summary>
public static class LatencyTrials
{
    private const double IdlePercent = 5;
    private static readonly TimeSpan s_idleDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_changeDeadline = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(LatencySettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        await using var client = await LiveHubClient.ConnectAsync(settings.ApiUrl, cancellationToken);
        await client.StartStreamAsync(
            settings.WatchContainer ? "WatchContainer" : "WatchAll",
            settings.WatchContainer ? [settings.ContainerId] : [],
            cancellationToken);

        var observations = Channel.CreateUnbounded<CpuObservation>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = ReadObservationsAsync(client, settings, observations.Writer, stopReading.Token);
        var latencies = new List<double>();
        var unpauseDurations = new List<double>();
        var failures = 0;
        try
        {
            await DockerAsync(settings, "pause", allowFailure: true, cancellationToken);
            for (var trial = 1; trial <= settings.Trials; trial++)
            {
                await WaitForAsync(observations.Reader, o => o.CpuPercent < IdlePercent, s_idleDeadline, cancellationToken);
                await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken);
                var changedAt = Stopwatch.GetTimestamp();
                await DockerAsync(settings, "unpause", allowFailure: false, cancellationToken);
                unpauseDurations.Add(Stopwatch.GetElapsedTime(changedAt).TotalMilliseconds);
                var seen = await WaitForAsync(
                    observations.Reader,
                    o => o.ArrivedAt > changedAt && o.CpuPercent >= settings.ThresholdPercent,
                    s_changeDeadline,
                    cancellationToken);
                await DockerAsync(settings, "pause", allowFailure: false, cancellationToken);
                if (seen is not { } arrival)
                {
                    failures++;
                    await output.WriteLineAsync($"trial {trial}: no sample >= {settings.ThresholdPercent} % within {s_changeDeadline.TotalSeconds} s");
                    continue;
                }

                var ms = Stopwatch.GetElapsedTime(changedAt, arrival.ArrivedAt).TotalMilliseconds;
                latencies.Add(ms);
                await output.WriteLineAsync(FormattableString.Invariant($"trial {trial}: {ms:F0} ms (cpu {arrival.CpuPercent:F1} %)"));
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            try
            {
                await reading;
            }
            catch (OperationCanceledException) when (stopReading.IsCancellationRequested)
            {
            }
        }

        if (settings.Csv is { } csv)
        {
            await File.WriteAllLinesAsync(csv.FullName, latencies.Select(l => l.ToString("F1", CultureInfo.InvariantCulture)), cancellationToken);
        }

        await output.WriteLineAsync(FormattableString.Invariant(
            $"RESULT trials={settings.Trials} ok={latencies.Count} failed={failures} median_ms={Percentile(latencies, 0.5):F0} p99_ms={Percentile(latencies, 0.99):F0} min_ms={Percentile(latencies, 0):F0} max_ms={Percentile(latencies, 1):F0} unpause_median_ms={Percentile(unpauseDurations, 0.5):F0}"));
        return latencies.Count > 0 ? 0 : 1;
    }

    /// <summary>Nearest-rank percentile; NaN for an empty list.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static async Task<CpuObservation?> WaitForAsync(
        ChannelReader<CpuObservation> reader, Func<CpuObservation, bool> condition, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            while (true)
            {
                var observation = await reader.ReadAsync(timeout.Token);
                if (condition(observation))
                {
                    return observation;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task ReadObservationsAsync(
        LiveHubClient client, LatencySettings settings, ChannelWriter<CpuObservation> writer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var record = await client.ReadRecordAsync(cancellationToken);
            using var message = JsonDocument.Parse(record.Json);
            var root = message.RootElement;
            var type = root.GetProperty("type").GetInt32();
            if (type is 3 or 7)
            {
                throw new InvalidOperationException($"hub ended the stream: {root.GetRawText()}");
            }

            if (type == 2 && FindCpu(root.GetProperty("item"), settings) is { } cpu)
            {
                writer.TryWrite(new CpuObservation(record.ArrivedAt, cpu));
            }
        }
    }

    private static double? FindCpu(JsonElement item, LatencySettings settings)
    {
        if (settings.WatchContainer)
        {
            return CpuOf(item);
        }

        foreach (var entry in item.GetProperty("containers").EnumerateArray())
        {
            var id = entry.GetProperty("container").GetProperty("id").GetString();
            if (id is not null && id.StartsWith(settings.ContainerId, StringComparison.Ordinal))
            {
                return CpuOf(entry);
            }
        }

        return null;
    }

    private static double? CpuOf(JsonElement live) =>
        live.TryGetProperty("sample", out var sample) && sample.ValueKind == JsonValueKind.Object
            ? sample.GetProperty("cpuPercent").GetDouble()
            : null;

    private static async Task DockerAsync(LatencySettings settings, string verb, bool allowFailure, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(settings.DockerCli) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(settings.ContainerId);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {settings.DockerCli}");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"docker {verb} failed ({process.ExitCode}): {await stderr}");
        }

        await stderr;
    }
}
