using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>REST against the Api watching a real dockerd: what the endpoints report must match what Docker does.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class ContainersApiTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task ListHosts_RealEngine_OneHostWithEngineIdUp()
    {
        var hosts = await MonitorApp.GetJsonAsync<HostSummary[]>(_client, "/api/hosts");

        var host = Assert.Single(hosts);
        Assert.Equal(live.HostId, host.HostId);
        Assert.Equal(HostStatus.Up, host.Status);
        Assert.Equal(live.HostId, host.Host?.HostId);
        Assert.Null(host.Error);
    }

    [Fact]
    public async Task ListContainers_NewContainer_VisibleAfterStart()
    {
        var name = LiveApi.UniqueName("visible");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        var runReturned = started.Elapsed;

        await Eventually.GetJsonAsync<ContainerLive[]>(
            _client,
            "/api/containers?name=" + name,
            list => list.Any(c => c.Container.Id == id && c.Container.State == ContainerState.Running),
            Deadline,
            $"{name} to be listed as running");
        var visible = started.Elapsed;
        var sampled = await WaitForContainerAsync(id, c => c.Sample is not null, $"{name} to have a sample");

        output.WriteLine(FormattableString.Invariant(
            $"docker run returned after {runReturned.TotalMilliseconds:0} ms; listed after {visible.TotalMilliseconds:0} ms ({(visible - runReturned).TotalMilliseconds:0} ms after run returned); first sample after {started.Elapsed.TotalMilliseconds:0} ms"));
        Assert.Equal(name, sampled.Container.Name);
        Assert.Equal(live.HostId, sampled.Container.HostId);
        Assert.Equal(DockerEngine.BusyboxImage, sampled.Container.Image);
    }

    [Fact]
    public async Task GetContainer_BusyContainerAtHalfCpu_QuotaLimitedSamplesGiveFiftyPercent()
    {
        var name = LiveApi.UniqueName("busy");
        var id = await _containers.RunAsync(["--name", name, "--cpus", "0.5"], "sh", "-c", "while :; do :; done");

        // Other work shares these two cores, so the loop may get less than its quota. The seconds in which the quota
        // was the limit (almost every CFS period throttled) are the ones where the quota shows: judge those.
        var samples = new Dictionary<DateTimeOffset, ContainerSample>();
        await Eventually.GetJsonAsync<ContainerLive>(
            _client,
            "/api/containers/" + id,
            c =>
            {
                if (c.Sample is { } sample)
                {
                    samples[sample.Timestamp] = sample;
                }

                return samples.Values.Count(IsQuotaLimited) >= 5 || samples.Count >= 90;
            },
            TimeSpan.FromMinutes(2),
            $"{name} to have 5 quota-limited samples or 90 samples",
            HttpStatusCode.NotFound);

        var limited = samples.Values.Where(IsQuotaLimited).Select(s => s.CpuPercent).Order().ToList();
        output.WriteLine(FormattableString.Invariant(
            $"samples (cpu % / throttled ratio): {string.Join(", ", samples.Values.Select(s => $"{s.CpuPercent:0.0}/{s.ThrottledPeriodsRatio:0.00}"))}; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Assert.True(limited.Count >= 3, $"only {limited.Count} of {samples.Count} samples hit the quota: the host is too loaded to judge");
        Assert.InRange(limited[limited.Count / 2], 45, 55);
    }

    private static bool IsQuotaLimited(ContainerSample sample) => sample.ThrottledPeriodsRatio >= 0.9;

    [Fact]
    public async Task GetContainer_MemoryLimit64m_ReportsLimitBytes()
    {
        var name = LiveApi.UniqueName("mem64");
        var id = await _containers.RunAsync(["--name", name, "-m", "64m"], "sleep", "600");

        var container = await WaitForContainerAsync(id, c => c.Sample is not null, $"{name} to have a sample");

        Assert.Equal(67_108_864, container.Sample!.MemoryLimitBytes);
        Assert.True(container.Sample.MemoryLimited);
        Assert.True(container.Sample.MemoryUsedBytes > 0);
    }

    [Fact]
    public async Task Samples_ThreeContainers_AgreeWithDockerStatsOverTheSameSeconds()
    {
        var containers = new List<(string Name, string Id)>();
        foreach (var (purpose, options, command) in new (string, string[], string[])[]
        {
            ("cmp-busy", ["--cpus", "0.3"], ["sh", "-c", "while :; do :; done"]),
            ("cmp-idle", [], ["sleep", "600"]),
            ("cmp-shm", ["-m", "128m"], ["sh", "-c", "dd if=/dev/zero of=/dev/shm/f bs=1M count=24 2>/dev/null; sleep 600"]),
        })
        {
            var name = LiveApi.UniqueName(purpose);
            containers.Add((name, await _containers.RunAsync(["--name", name, .. options], command)));
        }

        foreach (var (name, id) in containers)
        {
            await Eventually.GetJsonAsync<ContainerLiveWindow>(
                _client, $"/api/containers/{id}/live?seconds=30", w => w.Points.Count >= 4, Deadline, $"{name} to have 4 samples", HttpStatusCode.NotFound);
        }

        // docker stats --no-stream takes two readings about a second apart inside the call: its CPU % covers seconds
        // between the call's start and its end. Ours are the samples stamped in that span (each covers the second before it).
        var callStarted = DateTimeOffset.UtcNow;
        var statsJson = await live.Engine.RunAsync(["stats", "--no-stream", "--format", "{{json .}}", .. containers.Select(c => c.Id)]);
        var callEnded = DateTimeOffset.UtcNow;
        var docker = statsJson.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(e => e.GetProperty("Name").GetString()!, e => e);

        output.WriteLine(FormattableString.Invariant($"docker stats ran {callStarted:HH:mm:ss.fff} - {callEnded:HH:mm:ss.fff}"));
        output.WriteLine("name                      | ours cpu % (samples)       | docker cpu % | ours mem      | docker mem");
        var failures = new List<string>();
        foreach (var (name, id) in containers)
        {
            var window = await Eventually.GetJsonAsync<ContainerLiveWindow>(
                _client,
                $"/api/containers/{id}/live?seconds=30",
                w => w.Points.Count > 0 && w.Points[^1].Timestamp >= callEnded.AddSeconds(1),
                Deadline,
                $"{name} to have a sample after docker stats returned");
            var same = window.Points.Where(p => p.Timestamp > callStarted && p.Timestamp <= callEnded.AddSeconds(1)).ToList();
            var ours = await MonitorApp.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id);
            var oursCpu = same.Average(p => p.CpuPercent);
            var (lowest, highest) = (same.Min(p => p.CpuPercent), same.Max(p => p.CpuPercent));
            var oursMem = ours.Sample!.MemoryUsedBytes;
            var theirs = docker[name];
            var theirsCpu = double.Parse(theirs.GetProperty("CPUPerc").GetString()!.TrimEnd('%'), CultureInfo.InvariantCulture);
            var theirsMem = ParseSize(theirs.GetProperty("MemUsage").GetString()!.Split('/')[0].Trim());
            output.WriteLine(FormattableString.Invariant(
                $"{name,-25} | {oursCpu,6:0.00} ({string.Join(" ", same.Select(p => p.CpuPercent.ToString("0.0", CultureInfo.InvariantCulture))),-17}) | {theirsCpu,12:0.00} | {oursMem,13:N0} | {theirsMem,13:N0} ({theirs.GetProperty("MemUsage").GetString()})"));

            // Docker's second lies inside the span and overlaps at most two of ours: on a machine whose load moves
            // the CPU from second to second, its reading falls between our lowest and highest there, within 5 points.
            if (theirsCpu < lowest - 5 || theirsCpu > highest + 5)
            {
                failures.Add(FormattableString.Invariant($"{name}: docker cpu {theirsCpu:0.00} outside ours over the same seconds [{lowest:0.00}, {highest:0.00}] ± 5"));
            }

            // Memory is a level read at one instant, and a few hundred KiB of a small container's kernel memory come
            // and go from one read to the next: docker's reading falls between our lowest and highest over the same
            // seconds, within 5 % or 256 KiB, whichever is larger.
            var (memLow, memHigh) = (Math.Min(same.Min(p => p.MemoryUsedBytes), oursMem), Math.Max(same.Max(p => p.MemoryUsedBytes), oursMem));
            var memSlack = Math.Max(0.05 * memHigh, 256 * 1024);
            if (theirsMem < memLow - memSlack || theirsMem > memHigh + memSlack)
            {
                failures.Add(FormattableString.Invariant($"{name}: docker memory {theirsMem} outside ours over the same seconds [{memLow}, {memHigh}] ± {memSlack:0}"));
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    [Fact]
    public async Task BlockIo_DirectWritesAndReads_AgreeWithDockerStats()
    {
        // O_DIRECT goes to the block device at once (no page cache), so blkio counts every byte while dd runs. On
        // cgroup v1 this kernel counts a cgroup's bytes on a device only once a throttle rule names that device (docker
        // stats reads the same counters): a rule far above the disk's speed turns the counting on without limiting.
        var device = (await RunToolAsync("df", "--output=source", live.Engine.Root)).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        Assert.StartsWith("/dev/", device, StringComparison.Ordinal);
        var name = LiveApi.UniqueName("blkio");
        var id = await _containers.RunAsync(
            ["--name", name, "--device-write-bps", device + ":10gb", "--device-read-bps", device + ":10gb"],
            "sh", "-c", "dd if=/dev/zero of=/data bs=1M count=48 oflag=direct 2>/dev/null && dd if=/data of=/dev/null bs=1M iflag=direct 2>/dev/null && touch /done; exec sleep 600");
        await Poll.UntilAsync(
            async () => (await live.Engine.RunAsync("exec", id, "sh", "-c", "test -e /done && echo yes || echo no")).Trim() == "yes",
            Deadline,
            $"{name} to finish writing and reading");

        // The counters stop moving once dd is done: read ours, then docker's, then ours again over the same seconds.
        var line = (await live.Engine.RunAsync("stats", "--no-stream", "--format", "{{.BlockIO}}", id)).Trim();
        output.WriteLine($"docker stats BlockIO once dd finished: '{line}'");
        var before = await WaitForContainerAsync(id, c => c.Sample is { BlockWriteBytes: >= 48L << 20 }, $"{name} to report its writes");
        line = (await live.Engine.RunAsync("stats", "--no-stream", "--format", "{{.BlockIO}}", id)).Trim();
        var after = await Eventually.GetJsonAsync<ContainerLive>(
            _client, "/api/containers/" + id, c => c.Sample is { } s && s.Timestamp > before.Sample!.Timestamp, Deadline, $"{name}'s next sample");
        var parts = line.Split(" / ");
        var dockerRead = ParseSize(parts[0]);
        var dockerWrite = ParseSize(parts[1]);

        output.WriteLine(FormattableString.Invariant(
            $"docker stats BlockIO '{line}'; ours read {before.Sample!.BlockReadBytes:N0} -> {after.Sample!.BlockReadBytes:N0}, write {before.Sample.BlockWriteBytes:N0} -> {after.Sample.BlockWriteBytes:N0}"));
        Assert.InRange(after.Sample.BlockWriteBytes, 48L << 20, 64L << 20);
        Assert.InRange(after.Sample.BlockReadBytes, 48L << 20, 64L << 20);
        // docker prints 4 significant digits in decimal units (50.3MB): 1 % covers the rounding.
        AssertWithinPercent(dockerWrite, after.Sample.BlockWriteBytes, 1, "block write");
        AssertWithinPercent(dockerRead, after.Sample.BlockReadBytes, 1, "block read");
    }

    [Fact]
    public async Task Kill_RunningContainer_ExitedWithCode137()
    {
        var name = LiveApi.UniqueName("kill");
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await WaitForStateAsync(id, ContainerState.Running);

        await live.Engine.RunAsync("kill", id);

        var killed = await WaitForStateAsync(id, ContainerState.Exited);
        Assert.Equal(137, killed.Container.ExitCode);
        Assert.False(killed.Container.OomKilled);
        Assert.NotNull(killed.Container.FinishedAt);
    }

    [Fact]
    public async Task OomContainer_ExceedsLimit_OomKilledTrue()
    {
        var name = LiveApi.UniqueName("oom");

        // Doubling a shell variable outgrows 32 MiB within a second; without swap the kernel's OOM killer ends it.
        var id = await _containers.RunAsync(
            ["--name", name, "-m", "32m", "--memory-swap", "32m"], "sh", "-c", "x=a; while :; do x=$x$x; done");

        var dead = await WaitForStateAsync(id, ContainerState.Exited);
        var inspected = (await live.Engine.RunAsync("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", id)).Trim();
        output.WriteLine($"docker inspect: OOMKilled ExitCode = {inspected}");
        Assert.True(dead.Container.OomKilled, $"oomKilled false; docker inspect says {inspected}");
        Assert.Equal(137, dead.Container.ExitCode);
    }

    [Fact]
    public async Task ShortLivedContainers_ExitWhileSampled_HostKeepsUpdating()
    {
        // A container whose cgroup vanishes under its sampler reports to the host grain; that report must not
        // block the host (it once deadlocked host and container grain, freezing the whole host).
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await _containers.RunAsync(["--name", LiveApi.UniqueName("brief")], "sh", "-c", "sleep 1.5; exit 3"));
        }

        foreach (var id in ids)
        {
            var exited = await WaitForStateAsync(id, ContainerState.Exited);
            Assert.Equal(3, exited.Container.ExitCode);
        }

        var name = LiveApi.UniqueName("after-brief");
        var after = await _containers.RunAsync(["--name", name], "sleep", "600");
        await WaitForContainerAsync(after, c => c.Sample is not null, $"{name} to be sampled after the short-lived ones");
    }

    [Fact]
    public async Task RemoveForce_Container_GoneFromListButStillResolvable()
    {
        var name = LiveApi.UniqueName("rm");
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await WaitForStateAsync(id, ContainerState.Running);

        await live.Engine.RunAsync("rm", "-f", id);

        await Eventually.GetJsonAsync<ContainerLive[]>(
            _client, "/api/containers", list => list.All(c => c.Container.Id != id), Deadline, $"{name} to leave /api/containers");
        var removed = await WaitForStateAsync(id, ContainerState.Removed);
        Assert.True(removed.Container.Removed);
        using var history = await _client.GetAsync(new Uri($"/api/containers/{id}/history", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        var listedRemoved = await Eventually.GetJsonAsync<ContainerLive[]>(
            _client, "/api/containers?state=removed&name=" + name, list => list.Length > 0, Deadline, $"{name} in ?state=removed");
        Assert.Equal(id, Assert.Single(listedRemoved).Container.Id);
    }

    [Fact]
    public async Task GetContainer_TwelveCharacterPrefix_ResolvesFullId()
    {
        var name = LiveApi.UniqueName("prefix");
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await WaitForStateAsync(id, ContainerState.Running);

        var found = await MonitorApp.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id[..12]);
        var window = await MonitorApp.GetJsonAsync<ContainerLiveWindow>(_client, $"/api/containers/{id[..12]}/live?seconds=5");

        Assert.Equal(id, found.Container.Id);
        Assert.Equal(id, window.ContainerId);
    }

    [Fact]
    public async Task GetContainerHistory_FullMinuteCloses_HandedOnceWithAMinuteOfSamplesAndStoredAsHanded()
    {
        var name = LiveApi.UniqueName("history");
        var id = await _containers.RunAsync(["--name", name, "--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var started = DateTimeOffset.UtcNow;

        // The first minute the container is sampled from its start to its end (sampling begins within seconds).
        var full = Floor(started.AddSeconds(5), TimeSpan.FromMinutes(1)).AddMinutes(1);
        var history = await Eventually.GetJsonAsync<ContainerHistory>(
            _client,
            $"/api/containers/{id}/history",
            h => h.Points.Any(p => p.Minute == full),
            TimeSpan.FromMinutes(3),
            $"the minute {full:HH:mm} of {name}",
            HttpStatusCode.NotFound);

        var handed = live.Sink.Minutes.Where(m => m.ContainerId == id).ToList();
        var stored = history.Points.Single(p => p.Minute == full);
        output.WriteLine(FormattableString.Invariant(
            $"started {started:HH:mm:ss}; minutes handed to the writer: {string.Join(", ", handed.Select(m => $"{m.Minute:HH:mm} ({m.SampleCount} samples)"))}; stored {history.Points.Count}"));
        Assert.Equal("1m", history.Step);
        Assert.All(handed.GroupBy(m => m.Minute), g => Assert.True(g.Count() == 1, $"minute {g.Key:HH:mm} handed {g.Count()} times"));
        var minutes = handed.Select(m => m.Minute).Order().ToList();
        Assert.Equal(Enumerable.Range(0, minutes.Count).Select(i => minutes[0].AddMinutes(i)), minutes);
        var row = Assert.Single(handed, m => m.Minute == full);
        Assert.Equal(row, stored);
        Assert.Equal(live.HostId, row.HostId);
        // A whole minute at one sample per second; a loaded machine may delay a tick or two.
        Assert.InRange(row.SampleCount, 50, 61);
        Assert.InRange(row.CpuPercentAvg, row.CpuPercentMin, row.CpuPercentMax);
        Assert.InRange(row.CpuPercentMax, row.CpuPercentMin, 100);
    }

    [Fact]
    [Trait(Lane.Name, Lane.Alongside)]
    public async Task GetContainerHistory_QuotaBoundContainer_StoredMinuteCarriesTheThrottledShareOfItsCgroupPeriods()
    {
        var name = LiveApi.UniqueName("throttled");
        // Busy for a second (throttled in nearly every period), idle for a second (a period or so counted, not
        // throttled), so the share is below 100% and a mix-up of the two counts shows.
        var id = await _containers.RunAsync(
            ["--name", name, "--cpus", "0.1"], "sh", "-c", "while :; do sh -c 'while :; do :; done' & p=$!; sleep 1; kill $p; sleep 1; done");
        var cpuStat = await CpuStatPathAsync(id);
        var full = Floor(DateTimeOffset.UtcNow.AddSeconds(5), TimeSpan.FromMinutes(1)).AddMinutes(1);

        // The container's own cpu.stat, read at every poll: the readings around the minute bracket what it counted.
        var readings = new List<(DateTimeOffset At, long Periods, long Throttled)>();
        var history = await Eventually.GetJsonAsync<ContainerHistory>(
            _client,
            $"/api/containers/{id}/history",
            h =>
            {
                readings.Add(ReadCpuStat(cpuStat));
                return h.Points.Any(p => p.Minute == full);
            },
            TimeSpan.FromMinutes(3),
            $"the minute {full:HH:mm} of {name}",
            HttpStatusCode.NotFound);
        var raw = await MonitorApp.GetJsonAsync<JsonElement>(_client, $"/api/containers/{id}/history");

        var stored = history.Points.Single(p => p.Minute == full);
        var before = readings.Last(r => r.At <= full);
        var after = readings.First(r => r.At >= full.AddMinutes(1));
        var periods = after.Periods - before.Periods;
        var cgroupShare = (double)(after.Throttled - before.Throttled) / periods;
        var storedShare = (double)stored.ThrottledPeriods / stored.ThrottlePeriods;
        output.WriteLine(FormattableString.Invariant(
            $"minute {full:HH:mm}: stored {stored.ThrottledPeriods}/{stored.ThrottlePeriods} periods throttled ({storedShare:P1}); cpu.stat from {before.At:HH:mm:ss.fff} to {after.At:HH:mm:ss.fff}: {after.Throttled - before.Throttled}/{periods} ({cgroupShare:P1}); load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Assert.True(stored.ThrottledPeriods > 0, "a loop held at 0.1 core is throttled");
        Assert.InRange(stored.ThrottlePeriods, stored.ThrottledPeriods, periods + 20); // within the bracket, give or take a sampling tick
        Assert.InRange(stored.ThrottlePeriods, periods / 2, periods + 20);
        Assert.InRange(storedShare, cgroupShare - 0.05, cgroupShare + 0.05);
        var point = raw.GetProperty("points").EnumerateArray().Single(p => p.GetProperty("minute").GetDateTimeOffset() == full);
        Assert.Equal(stored.ThrottlePeriods, point.GetProperty("throttlePeriods").GetInt64());
        Assert.Equal(stored.ThrottledPeriods, point.GetProperty("throttledPeriods").GetInt64());
        Assert.True(point.TryGetProperty("throttledTimeNanoseconds", out _));
    }

    [Fact]
    public async Task GetHostHistory_ClosedMinutes_SumsWhatItsContainersHanded()
    {
        var to = await ClosedMinutesBeforeAsync();
        var from = to.AddHours(-2);

        var history = await MonitorApp.GetJsonAsync<HostHistory>(_client, $"/api/hosts/{live.HostId}/history?from={Iso(from)}&to={Iso(to)}");

        var expected = live.Sink.Minutes
            .Where(m => m.HostId == live.HostId && m.Minute >= from && m.Minute < to)
            .GroupBy(m => m.Minute)
            .OrderBy(g => g.Key)
            .ToList();
        output.WriteLine($"{expected.Count} closed minutes before {to:HH:mm}; host points: {history.Points.Count}");
        Assert.Equal("1m", history.Step);
        Assert.Equal(live.HostId, history.HostId);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(g => g.Key), history.Points.Select(p => p.Minute));
        foreach (var (minute, point) in expected.Zip(history.Points))
        {
            Assert.Equal(minute.Count(), point.Containers);
            Assert.Equal(minute.Sum(m => m.CpuPercentAvg), point.CpuPercentAvg, 6);
            Assert.Equal(minute.Sum(m => m.MemoryUsedBytesAvg), point.MemoryUsedBytesAvg);
            Assert.Equal(OncePerNamespace(minute, m => m.NetRxBytes), point.NetRxBytes);
            Assert.Equal(OncePerNamespace(minute, m => m.NetTxBytes), point.NetTxBytes);
            Assert.Equal(minute.Sum(m => m.BlockReadBytes), point.BlockReadBytes);
            Assert.Equal(minute.Sum(m => m.BlockWriteBytes), point.BlockWriteBytes);
        }
    }

    [Theory]
    [InlineData("5m")]
    [InlineData("1h")]
    public async Task GetHistory_LargerStep_RollsUpTheMinuteRows(string step)
    {
        var span = step == "5m" ? TimeSpan.FromMinutes(5) : TimeSpan.FromHours(1);
        var to = await ClosedMinutesBeforeAsync();
        var from = Floor(to.AddHours(-2), TimeSpan.FromHours(1));
        var container = live.Sink.Minutes.Last(m => m.HostId == live.HostId && m.Minute < to).ContainerId;
        var range = $"from={Iso(from)}&to={Iso(to)}";

        var minutes = await MonitorApp.GetJsonAsync<ContainerHistory>(_client, $"/api/containers/{container}/history?{range}");
        var rolled = await MonitorApp.GetJsonAsync<ContainerHistory>(_client, $"/api/containers/{container}/history?{range}&step={step}");
        var hostMinutes = await MonitorApp.GetJsonAsync<HostHistory>(_client, $"/api/hosts/{live.HostId}/history?{range}");
        var hostRolled = await MonitorApp.GetJsonAsync<HostHistory>(_client, $"/api/hosts/{live.HostId}/history?{range}&step={step}");

        output.WriteLine($"{container[..12]}: {minutes.Points.Count} minutes -> {rolled.Points.Count} steps of {step}; host: {hostMinutes.Points.Count} -> {hostRolled.Points.Count}");
        Assert.Equal(step, rolled.Step);
        Assert.Equal(step, hostRolled.Step);
        Assert.NotEmpty(minutes.Points);

        // The container: averages weighted by sample count, exact minima and maxima, bytes added up.
        var expected = minutes.Points.GroupBy(m => Floor(m.Minute, span)).ToList();
        Assert.Equal(expected.Select(g => g.Key), rolled.Points.Select(p => p.Minute));
        foreach (var (group, point) in expected.Zip(rolled.Points))
        {
            var samples = group.Sum(m => m.SampleCount);
            Assert.Equal(samples, point.SampleCount);
            Assert.Equal(group.Sum(m => m.CpuPercentAvg * m.SampleCount) / samples, point.CpuPercentAvg, 6);
            Assert.Equal(group.Min(m => m.CpuPercentMin), point.CpuPercentMin);
            Assert.Equal(group.Max(m => m.CpuPercentMax), point.CpuPercentMax);
            Assert.Equal(group.Max(m => m.CpuPercentP95), point.CpuPercentP95);
            Assert.InRange(point.MemoryUsedBytesAvg, (long)(group.Sum(m => (double)m.MemoryUsedBytesAvg * m.SampleCount) / samples) - 1, (long)(group.Sum(m => (double)m.MemoryUsedBytesAvg * m.SampleCount) / samples) + 1);
            Assert.Equal(group.Min(m => m.MemoryUsedBytesMin), point.MemoryUsedBytesMin);
            Assert.Equal(group.Max(m => m.MemoryUsedBytesMax), point.MemoryUsedBytesMax);
            Assert.Equal(group.Sum(m => m.BlockWriteBytes), point.BlockWriteBytes);
            Assert.Equal(SumMeasured(group.Select(m => m.NetRxBytes)), point.NetRxBytes);
            Assert.Equal(group.Max(m => m.PidsMax), point.PidsMax);
            Assert.Equal(group.Sum(m => m.ThrottlePeriods), point.ThrottlePeriods);
            Assert.Equal(group.Sum(m => m.ThrottledPeriods), point.ThrottledPeriods);
        }

        // The host: its per-minute totals averaged (CPU, memory) or added up (bytes) over the step; peaks are maxima.
        var expectedHost = hostMinutes.Points.GroupBy(p => Floor(p.Minute, span)).ToList();
        Assert.Equal(expectedHost.Select(g => g.Key), hostRolled.Points.Select(p => p.Minute));
        foreach (var (group, point) in expectedHost.Zip(hostRolled.Points))
        {
            Assert.Equal(group.Max(p => p.Containers), point.Containers);
            Assert.Equal(group.Average(p => p.CpuPercentAvg), point.CpuPercentAvg, 6);
            Assert.Equal(group.Max(p => p.CpuPercentMax), point.CpuPercentMax, 6);
            Assert.Equal(group.Max(p => p.MemoryUsedBytesMax), point.MemoryUsedBytesMax);
            Assert.Equal(group.Sum(p => p.BlockWriteBytes), point.BlockWriteBytes);
            Assert.Equal(SumMeasured(group.Select(p => p.NetTxBytes)), point.NetTxBytes);
        }
    }

    [Fact]
    public async Task OpenApi_Document_ListsPublicPaths()
    {
        using var response = await _client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected =
        [
            "/api/hosts", "/api/hosts/{hostId}", "/api/hosts/{hostId}/history",
            "/api/containers", "/api/containers/{id}", "/api/containers/{id}/live", "/api/containers/{id}/history",
        ];
        Assert.All(expected, p => Assert.Contains(p, paths));
    }

    /// <summary>
    /// A minute boundary before which every minute is closed and written, with at least one such minute of this host
    /// (started and waited for when no test has produced one yet).
    /// </summary>
    private async Task<DateTimeOffset> ClosedMinutesBeforeAsync()
    {
        // A minute closes with the first sample of the next one; the writer flushes every second: 5 s cover both.
        static DateTimeOffset Settled() => Floor(DateTimeOffset.UtcNow.AddSeconds(-5), TimeSpan.FromMinutes(1));
        if (!live.Sink.Minutes.Any(m => m.HostId == live.HostId && m.Minute < Settled()))
        {
            await _containers.RunAsync(["--name", LiveApi.UniqueName("minutes")], "sleep", "600");
            await Poll.UntilAsync(
                () => live.Sink.Minutes.Any(m => m.HostId == live.HostId && m.Minute < Settled()),
                TimeSpan.FromMinutes(3),
                "a closed and written minute of the host");
        }

        return Settled();
    }

    /// <summary>The container's cpu.stat, found from its init process's cgroup (the cpu controller on v1, the unified tree on v2).</summary>
    private async Task<string> CpuStatPathAsync(string id)
    {
        var pid = (await live.Engine.RunAsync("inspect", "--format", "{{.State.Pid}}", id)).Trim();
        foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts[1].Split(',').Contains("cpu"))
            {
                return $"/sys/fs/cgroup/cpu{parts[2]}/cpu.stat";
            }

            if (parts[0] == "0" && parts[1].Length == 0 && File.Exists($"/sys/fs/cgroup{parts[2]}/cpu.stat"))
            {
                return $"/sys/fs/cgroup{parts[2]}/cpu.stat";
            }
        }

        throw new InvalidOperationException($"no cpu cgroup for process {pid} of {id}");
    }

    private static (DateTimeOffset At, long Periods, long Throttled) ReadCpuStat(string path)
    {
        var at = DateTimeOffset.UtcNow;
        var values = File.ReadAllLines(path)
            .Select(l => l.Split(' '))
            .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));
        return (at, values["nr_periods"], values["nr_throttled"]);
    }

    private static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step) =>
        new(time.UtcTicks - (time.UtcTicks % step.Ticks), TimeSpan.Zero);

    private static string Iso(DateTimeOffset time) =>
        Uri.EscapeDataString(time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private Task<ContainerLive> WaitForStateAsync(string id, string state) =>
        WaitForContainerAsync(id, c => c.Container.State == state, $"{id[..12]} to be {state}");

    /// <summary>Bytes added up over the rows that measured network; null when none did (host and none networks).</summary>
    private static long? SumMeasured(IEnumerable<long?> values)
    {
        var measured = values.Where(v => v is not null).ToList();
        return measured.Count == 0 ? null : measured.Sum();
    }

    /// <summary>A host's minute: each network namespace's bytes once (its owner's row, else the largest).</summary>
    private static long? OncePerNamespace(IEnumerable<MinuteAggregate> rows, Func<MinuteAggregate, long?> bytes) =>
        SumMeasured(rows.Where(r => bytes(r) is not null)
            .GroupBy(r => r.NetworkNamespace ?? r.ContainerId)
            .Select(n => n.FirstOrDefault(r => r.ContainerId == n.Key) is { } owner ? bytes(owner) : n.Max(bytes)));

    /// <summary>Polls <c>/api/containers/{id}</c>; 404 (not seen yet) is retried, any other failure is not.</summary>
    private Task<ContainerLive> WaitForContainerAsync(string id, Func<ContainerLive, bool> condition, string what) =>
        Eventually.GetJsonAsync(_client, "/api/containers/" + id, condition, Deadline, what, HttpStatusCode.NotFound);

    private static async Task<string> RunToolAsync(string fileName, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(fileName) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{fileName} exited with {process.ExitCode}");
        return text;
    }

    private static void AssertWithinPercent(double expected, double actual, double percent, string what) =>
        Assert.True(Math.Abs(actual - expected) <= expected * percent / 100, FormattableString.Invariant($"{what}: ours {actual:N0}, docker {expected:N0} (± {percent} %)"));

    /// <summary>Parses docker's human sizes ("1.5MiB", "512KiB", "12B").</summary>
    private static double ParseSize(string text)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "kB", "MB", "GB", "B"];
        foreach (var unit in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal))
            {
                var value = double.Parse(text[..^unit.Length], CultureInfo.InvariantCulture);
                return value * unit switch
                {
                    "KiB" => 1024d,
                    "MiB" => 1024d * 1024,
                    "GiB" => 1024d * 1024 * 1024,
                    "TiB" => 1024d * 1024 * 1024 * 1024,
                    "kB" => 1e3,
                    "MB" => 1e6,
                    "GB" => 1e9,
                    _ => 1,
                };
            }
        }

        throw new FormatException($"Unknown size '{text}'.");
    }
}
