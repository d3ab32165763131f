using Orleans.Monitor.Contracts.Containers;
using System.Globalization;
using System.Text.Json;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerApiStatsSourceTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly DockerDaemon _client = DockerTestClient.Create(engine);
    private readonly TestContainers _containers = new(engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    private DockerApiStatsSource CreateSource() =>
        new(_client, TimeProvider.System, new TestOutputLogger<DockerApiStatsSource>(output));

    [Fact]
    public async Task ReadAsync_BusyContainerLimitedToHalfACpu_GivesFiftyPercent()
    {
        var id = await _containers.RunAsync(["--cpus", "0.5", "-m", "64m"], "sh", "-c", "while :; do :; done");
        var host = await _client.GetHostInfoAsync("docker-api", CancellationToken.None);
        await using var reader = CreateSource().CreateReader(await TargetAsync(id));

        // On a loaded host the container may get less than its quota. Seconds in which the quota was the limit
        // (almost every CFS period throttled) are the ones where docker stats shows the limit: judge those.
        var samples = await CollectSamplesAsync(reader, 30, host.MemoryTotalBytes, enough: s => s.Count(IsQuotaLimited) >= 5);
        var limited = samples.Where(IsQuotaLimited).Select(s => s.CpuPercent).Order().ToList();

        Assert.True(limited.Count >= 3, $"only {limited.Count} of {samples.Count} samples hit the quota: the host is too loaded to judge");
        Assert.InRange(limited[limited.Count / 2], 45, 55);
        Assert.All(samples, s => Assert.Equal(64L * 1024 * 1024, s.MemoryLimitBytes));
        Assert.All(samples, s => Assert.True(s.MemoryLimited));
        Assert.All(samples, s => Assert.InRange(s.MemoryUsedBytes, 1, 64L * 1024 * 1024));
        await engine.RunAsync("rm", "-f", id);
    }

    [Fact]
    public async Task ReadAsync_SameContainersAsDockerStats_Agree()
    {
        // A small quota keeps the busy container's CPU steady even when other work loads the host.
        var busy = await _containers.RunAsync(["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var idle = await _containers.RunAsync(["-m", "64m"], "sh", "-c", "head -c 8000000 /dev/zero > /dev/shm/f; sleep 600");
        var host = await _client.GetHostInfoAsync("docker-api", CancellationToken.None);
        var source = CreateSource();
        await using var busyReader = source.CreateReader(await TargetAsync(busy));
        await using var idleReader = source.CreateReader(await TargetAsync(idle));

        await CollectSamplesAsync(busyReader, 1, host.MemoryTotalBytes);
        await CollectSamplesAsync(idleReader, 1, host.MemoryTotalBytes);

        // Both sides over the same seconds, compared by median: the host's load moves CPU from second to second.
        var oursTask = CollectSamplesAsync(busyReader, 6, host.MemoryTotalBytes);
        var oursIdleTask = CollectSamplesAsync(idleReader, 6, host.MemoryTotalBytes);
        var cli = new List<Dictionary<string, (double Cpu, double Memory, double Limit)>>();
        while (cli.Count < 3 || !oursTask.IsCompleted)
        {
            cli.Add(await DockerStatsAsync(busy, idle));
        }

        var ours = await oursTask;
        var oursIdle = await oursIdleTask;
        var cliBusyCpu = Median(cli.Select(c => c[busy].Cpu));
        Assert.InRange(Median(ours.Select(s => s.CpuPercent)), cliBusyCpu - 5, cliBusyCpu + 5);
        Assert.InRange(Median(oursIdle.Select(s => s.CpuPercent)), 0, Median(cli.Select(c => c[idle].Cpu)) + 5);
        AssertWithinPercent(cli[^1][idle].Memory, oursIdle[^1].MemoryUsedBytes, 5);
        AssertWithinPercent(cli[^1][busy].Memory, ours[^1].MemoryUsedBytes, 5);
        AssertWithinPercent(cli[^1][idle].Limit, oursIdle[^1].MemoryLimitBytes, 1);
        AssertWithinPercent(cli[^1][busy].Limit, ours[^1].MemoryLimitBytes, 1);
        await engine.RunAsync("rm", "-f", busy, idle);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    [Fact]
    public async Task ReadAsync_ContainerRemoved_ReportsGoneWithoutThrowing()
    {
        var id = await _containers.RunAsync([], "sleep", "600");
        await using var reader = CreateSource().CreateReader(await TargetAsync(id));
        await ReadUntilAsync(reader, ReadingStatus.Ok);

        await engine.RunAsync("rm", "-f", id);

        await ReadUntilAsync(reader, ReadingStatus.Gone);
        Assert.Equal(ReadingStatus.Gone, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task ReadAsync_UnknownContainer_ReportsGone()
    {
        var target = new ContainerTarget("0123456789ab" + Guid.NewGuid().ToString("N"), 0, DateTimeOffset.UnixEpoch);
        await using var reader = CreateSource().CreateReader(target);

        await ReadUntilAsync(reader, ReadingStatus.Gone);
    }

    [Fact]
    public async Task ReadAsync_ContainerStopped_ReportsNotRunning()
    {
        var id = await _containers.RunAsync([], "sleep", "600");
        await using var reader = CreateSource().CreateReader(await TargetAsync(id));
        await ReadUntilAsync(reader, ReadingStatus.Ok);

        await engine.RunAsync("stop", "-t", "0", id);

        await ReadUntilAsync(reader, ReadingStatus.NotRunning);
    }

    private async Task<ContainerTarget> TargetAsync(string id)
    {
        var details = await _client.InspectContainerAsync(id, "h", CancellationToken.None);
        return new ContainerTarget(id, details.Pid, details.Info.StartedAt ?? DateTimeOffset.UnixEpoch);
    }

    private static bool IsQuotaLimited(ContainerSample sample) => sample.ThrottledPeriodsRatio >= 0.9;

    private static async Task<List<ContainerSample>> CollectSamplesAsync(
        IContainerStatsReader reader, int count, long hostMemory, Func<List<ContainerSample>, bool>? enough = null)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var samples = new List<ContainerSample>();
        CounterReading? previous = null;
        while (samples.Count < count && !(enough?.Invoke(samples) ?? false))
        {
            var result = await reader.ReadAsync(cts.Token);
            Assert.True(result.Status is ReadingStatus.Ok or ReadingStatus.NoData, $"unexpected {result.Status}");
            if (result.Status != ReadingStatus.Ok)
            {
                continue;
            }

            if (previous is { } p && SampleCalculator.Compute(p, result.Reading, hostMemory) is { } sample)
            {
                samples.Add(sample);
            }

            previous = result.Reading;
        }

        return samples;
    }

    private static async Task ReadUntilAsync(IContainerStatsReader reader, ReadingStatus status)
    {
        using var cts = new CancellationTokenSource(Deadline);
        while ((await reader.ReadAsync(cts.Token)).Status != status)
        {
        }
    }

    private async Task<Dictionary<string, (double Cpu, double Memory, double Limit)>> DockerStatsAsync(params string[] ids)
    {
        var output = await engine.RunAsync(["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", .. ids], CancellationToken.None);
        var result = new Dictionary<string, (double, double, double)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var id = root.GetProperty("ID").GetString()!;
            var cpu = double.Parse(root.GetProperty("CPUPerc").GetString()!.TrimEnd('%'), CultureInfo.InvariantCulture);
            var usage = root.GetProperty("MemUsage").GetString()!.Split(" / ");
            result[ids.Single(i => i.StartsWith(id, StringComparison.Ordinal))] = (cpu, ParseBinary(usage[0]), ParseBinary(usage[1]));
        }

        return result;
    }

    // The CLI prints memory in binary units with 4 significant figures: 580KiB, 8.332MiB, 23.54GiB.
    private static double ParseBinary(string text)
    {
        string[] units = ["GiB", "MiB", "KiB", "B"];
        double[] factors = [1 << 30, 1 << 20, 1 << 10, 1];
        for (var i = 0; i < units.Length; i++)
        {
            if (text.EndsWith(units[i], StringComparison.Ordinal))
            {
                return double.Parse(text[..^units[i].Length], CultureInfo.InvariantCulture) * factors[i];
            }
        }

        throw new FormatException(text);
    }

    private static void AssertWithinPercent(double expected, double actual, double percent) =>
        Assert.True(Math.Abs(actual - expected) <= expected * percent / 100, $"expected {expected} ± {percent} %, got {actual}");
}
