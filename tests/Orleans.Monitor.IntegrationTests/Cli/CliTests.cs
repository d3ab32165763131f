using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>The built <c>orleans-monitor</c> run as a process against a real Api watching a real dockerd.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class CliTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    private string Url => live.App.ServerAddress!.ToString();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _containers.RemoveAllAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Ps_OutputJson_EachContainerWithItsHostStateAndSample()
    {
        var busy = await RunAsync("ps-busy", ["--cpus", "0.3"], "sh", "-c", "while :; do :; done");
        var limited = await RunAsync("ps-mem", ["-m", "64m"], "sleep", "600");
        var exited = await RunAsync("ps-exit", [], "sh", "-c", "exit 3");
        await WaitForContainersAsync(c =>
            Has(c, busy.Id, x => x.Sample is { CpuPercent: > 5 })
            && Has(c, limited.Id, x => x.Sample is not null)
            && Has(c, exited.Id, x => x.Container.State == ContainerState.Exited));

        var result = await CliAsync("ps", "--output", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var rows = JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.All(rows.Values, r => Assert.Equal(live.HostId, r.GetProperty("hostId").GetString()));
        var busyRow = rows[busy.Id];
        Assert.Equal(busy.Name, busyRow.GetProperty("name").GetString());
        Assert.Equal(DockerEngine.BusyboxImage, busyRow.GetProperty("image").GetString());
        Assert.Equal("running", busyRow.GetProperty("state").GetString());
        // Other work shares the two cores: the loop gets at most its quota, and something.
        Assert.InRange(busyRow.GetProperty("cpuPercent").GetDouble(), 0.5, 35);
        // --network none: Docker measures no network, and the Api says so with null.
        Assert.Equal(JsonValueKind.Null, busyRow.GetProperty("netRxBytesPerSecond").ValueKind);
        Assert.Equal(67_108_864, rows[limited.Id].GetProperty("memoryLimitBytes").GetInt64());
        Assert.True(rows[limited.Id].GetProperty("memoryUsedBytes").GetInt64() > 0);
        Assert.Equal("exited", rows[exited.Id].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, rows[exited.Id].GetProperty("cpuPercent").ValueKind);
    }

    [Fact]
    public async Task Ps_OutputCsv_HeaderThenOneRowPerContainerWithRawNumbers()
    {
        var limited = await RunAsync("csv-mem", ["-m", "64m"], "sleep", "600");
        var other = await RunAsync("csv-idle", [], "sleep", "600");
        await WaitForContainersAsync(c => Has(c, limited.Id, x => x.Sample is not null) && Has(c, other.Id, x => x.Sample is not null));

        var result = await CliAsync("ps", "--output", "csv", "--filter", "csv-");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(["host", "hostId", "id", "name", "image", "state", "restartCount", "lastExitCode", "cpuPercent", "memoryUsedBytes", "memoryLimitBytes"], header[..11]);
        var rows = lines[1..].Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
        Assert.Equal(new[] { limited.Id, other.Id }.Order(StringComparer.Ordinal), rows.Select(r => r["id"]).Order(StringComparer.Ordinal));
        var row = Assert.Single(rows, r => r["id"] == limited.Id);
        Assert.Equal(limited.Name, row["name"]);
        Assert.Equal("67108864", row["memoryLimitBytes"]);
        Assert.Equal(live.HostId, row["hostId"]);
        Assert.True(double.TryParse(row["cpuPercent"], NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"cpuPercent '{row["cpuPercent"]}' is not an invariant number");
    }

    [Fact]
    public async Task Ps_StateAndFilter_TableListsOnlyMatchingContainers()
    {
        var running = await RunAsync("flt-run", [], "sleep", "600");
        var exited = await RunAsync("flt-exit", [], "sh", "-c", "exit 0");
        await WaitForContainersAsync(c => Has(c, running.Id, x => x.Sample is not null) && Has(c, exited.Id, x => x.Container.State == ContainerState.Exited));

        var all = await CliAsync("ps", "--filter", "flt-", "--host", live.HostId);
        var onlyExited = await CliAsync("ps", "--filter", "flt-", "--state", "exited");

        output.WriteLine(all.Stdout);
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(0, onlyExited.ExitCode);
        var lines = all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("HOST", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(running.Name, StringComparison.Ordinal) && l.Contains(running.Id[..12], StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));
        Assert.DoesNotContain("\x1b", all.Stdout, StringComparison.Ordinal);
        var exitedLines = onlyExited.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, exitedLines.Length);
        Assert.Contains(exited.Name, exitedLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hosts_OutputJson_TheEngineUpWithDockersFacts()
    {
        await RunAsync("hosts-idle", [], "sleep", "600");
        var running = (await live.Engine.RunAsync("ps", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var info = JsonDocument.Parse(await live.Engine.RunAsync("info", "--format", "{{json .}}")).RootElement;
        await Eventually.GetJsonAsync<HostSummary[]>(
            _client, "/api/hosts", h => h.Any(x => x.HostId == live.HostId && x.ContainersRunning == running), Deadline, $"{running} running containers");

        var json = await CliAsync("hosts", "--output", "json");
        var table = await CliAsync("hosts");

        Assert.Equal(0, json.ExitCode);
        var host = Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray());
        Assert.Equal(live.HostId, host.GetProperty("hostId").GetString());
        Assert.Equal("up", host.GetProperty("status").GetString());
        Assert.Equal(info.GetProperty("Name").GetString(), host.GetProperty("name").GetString());
        Assert.Equal(info.GetProperty("NCPU").GetInt32(), host.GetProperty("cpus").GetInt32());
        Assert.Equal(running, host.GetProperty("containersRunning").GetInt32());
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(table.Stdout.Split('\n'), l => l.StartsWith(live.HostId, StringComparison.Ordinal) && l.Contains(" up ", StringComparison.Ordinal));
    }

    [Fact]
    [Trait(Lane.Name, Lane.Alongside)]
    public async Task History_ClosedMinute_JsonEqualsTheApisMinutes()
    {
        var busy = await RunAsync("hist", ["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var stored = await Eventually.GetJsonAsync<ContainerHistory>(
            _client, $"/api/containers/{busy.Id}/history", h => h.Points.Count > 0, TimeSpan.FromMinutes(3), $"a stored minute of {busy.Name}", HttpStatusCode.NotFound);

        var json = await CliAsync("history", busy.Name, "--since", "1h", "--step", "1m", "--output", "json");
        var table = await CliAsync("history", busy.Id[..12], "--since", "2h");
        var after = await MonitorApp.GetJsonAsync<ContainerHistory>(_client, $"/api/containers/{busy.Id}/history");

        output.WriteLine(json.ToString());
        output.WriteLine(table.ToString());
        Assert.Equal(0, json.ExitCode);
        var points = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(points);
        var byMinute = after.Points.ToDictionary(p => p.Minute);
        foreach (var point in points)
        {
            // A minute may close between the CLI's request and the test's: the CLI's minutes are the Api's.
            var minute = point.GetProperty("minute").GetDateTimeOffset();
            Assert.True(byMinute.TryGetValue(minute, out var expected), $"the CLI printed minute {minute:O} the Api does not have");
            Assert.Equal(expected.SampleCount, point.GetProperty("sampleCount").GetInt32());
            Assert.Equal(expected.CpuPercentAvg, point.GetProperty("cpuPercentAvg").GetDouble(), 6);
            Assert.Equal(expected.MemoryUsedBytesMax, point.GetProperty("memoryUsedBytesMax").GetInt64());
        }

        Assert.Contains(stored.Points[0].Minute, points.Select(p => p.GetProperty("minute").GetDateTimeOffset()));
        Assert.Equal(0, table.ExitCode);
        var tableLines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("TIME", tableLines[0], StringComparison.Ordinal);
        Assert.Contains(tableLines[1..], l => l.StartsWith(stored.Points[0].Minute.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_UnknownId_ExitsOneWithTheApisProblemDetail()
    {
        var result = await CliAsync("history", "0123456789abcdef");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("error: Unknown container: No container with id '0123456789abcdef' is known to this cluster.\n", result.Stderr);
    }

    [Fact]
    public async Task History_UnknownName_ExitsOneNamingIt()
    {
        var result = await CliAsync("history", "no-such-container");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: No container with id or name 'no-such-container' is known to this cluster.\n", result.Stderr);
    }

    [Fact]
    public async Task Ps_BadState_ExitsOneWithTheApisValidationDetail()
    {
        var result = await CliAsync("ps", "--state", "sleepy");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Invalid parameter 'state': state must be one of ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Top_Redirected_PrintsOneSnapshotOfEveryContainer()
    {
        var busy = await RunAsync("snap", ["--cpus", "0.3"], "sh", "-c", "while :; do :; done");
        await WaitForContainersAsync(c => Has(c, busy.Id, x => x.Sample is { CpuPercent: > 5 }));

        var result = await CliAsync("top", "--output", "json");

        Assert.Equal(0, result.ExitCode);
        var rows = JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().ToList();
        var row = Assert.Single(rows, r => r.GetProperty("id").GetString() == busy.Id);
        Assert.Equal(busy.Name, row.GetProperty("name").GetString());
        Assert.True(row.GetProperty("cpuPercent").GetDouble() > 0.5, $"cpuPercent {row.GetProperty("cpuPercent")}");

        // top's order: CPU from high to low, containers without a sample after them.
        var cpu = rows.Select(r => r.GetProperty("cpuPercent")).Select(c => c.ValueKind == JsonValueKind.Null ? (double?)null : c.GetDouble()).ToList();
        var sampled = cpu.TakeWhile(c => c is not null).Select(c => c!.Value).ToList();
        Assert.Equal(sampled.OrderDescending(), sampled);
        Assert.All(cpu.Skip(sampled.Count), c => Assert.Null(c));
    }

    [Fact]
    public async Task Top_PseudoTerminal_LiveRowsChangeKeysSortAndFilterAndQQuits()
    {
        var busy = await RunAsync("top-busy", ["--cpus", "0.3"], "sh", "-c", "while :; do :; done");
        // Memory that grows by 512 KiB a second in /dev/shm (counted as the container's memory): a value that must change on screen.
        var grower = await RunAsync("top-grow", ["-m", "256m", "--shm-size", "200m"], "sh", "-c",
            "i=0; while [ $i -lt 300 ]; do dd if=/dev/zero of=/dev/shm/f$i bs=512k count=1 2>/dev/null; i=$((i+1)); sleep 1; done; sleep 600");
        await WaitForContainersAsync(c => Has(c, busy.Id, x => x.Sample is { CpuPercent: > 5 }) && Has(c, grower.Id, x => x.Sample is not null));

        await using var terminal = PseudoTerminal.Start(["top", "--url", Url], columns: 160, rows: 40);

        // Live: the grower's memory column takes at least three values while the screen redraws.
        var seen = await Eventually.MatchAsync(
            () => Task.FromResult(Memory(terminal, grower.Name)),
            values => values.Distinct().Count() >= 3 || terminal.HasExited,
            Deadline,
            "the grower's memory to change on screen");
        Assert.False(terminal.HasExited, terminal.Tail());
        output.WriteLine($"grower memory on successive screens: {string.Join(", ", seen.Select(v => Units(v)))}");
        Assert.True(seen[^1] > seen[0], $"memory did not grow on screen: {string.Join(", ", seen)}");

        await terminal.TypeAsync("m");
        var byMemory = await ScreenAsync(terminal, s => Footer(s).StartsWith("sort memory desc", StringComparison.Ordinal), "the memory sort");
        Assert.True(Row(byMemory, grower.Name) < Row(byMemory, busy.Name), string.Join('\n', byMemory));

        await terminal.TypeAsync("c");
        var byCpu = await ScreenAsync(terminal, s => Footer(s).StartsWith("sort cpu desc", StringComparison.Ordinal), "the CPU sort");
        Assert.True(Row(byCpu, busy.Name) < Row(byCpu, grower.Name), string.Join('\n', byCpu));

        await terminal.TypeAsync("/" + grower.Name + "\r");
        var filtered = await ScreenAsync(terminal, s => Footer(s).Contains($"filter '{grower.Name}'", StringComparison.Ordinal), "the filter");
        Assert.True(Row(filtered, grower.Name) >= 0, string.Join('\n', filtered));
        Assert.Equal(-1, Row(filtered, busy.Name));

        output.WriteLine(string.Join('\n', filtered));
        await terminal.TypeAsync("q");
        Assert.Equal(0, await terminal.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    private const string TopTitle = "orleans-monitor top";

    private static async Task<string[]> ScreenAsync(PseudoTerminal terminal, Func<string[], bool> condition, string what)
    {
        var screens = await Eventually.MatchAsync(
            () => Task.FromResult(terminal.Screens(TopTitle)),
            s => s.Any(condition) || terminal.HasExited,
            Deadline,
            what);
        return screens.LastOrDefault(condition) ?? throw new InvalidOperationException($"top exited before {what}:\n{terminal.Tail()}");
    }

    private static string Footer(string[] screen) => screen.Length > 0 ? screen[^1].Trim() : "";

    /// <summary>The index of the row whose NAME cell is <paramref name="name"/>, or -1.</summary>
    private static int Row(string[] screen, string name) =>
        Array.FindIndex(screen, l => Cells(l) is { Length: > 3 } cells && cells[2] == name);

    /// <summary>The grower's MEM cell on every screen that shows it, in bytes.</summary>
    private static List<double> Memory(PseudoTerminal terminal, string name) =>
        [.. terminal.Screens(TopTitle)
            .Select(s => s.Select(Cells).FirstOrDefault(c => c.Length > 5 && c[2] == name))
            .Where(c => c is not null)
            .Select(c => ParseBytes(c![5]))];

    // Columns are at least two spaces apart; a cell such as "25.6 MiB" has one.
    private static string[] Cells(string line) =>
        System.Text.RegularExpressions.Regex.Split(line.Trim(), " {2,}");

    private static double ParseBytes(string text)
    {
        var parts = text.Split(' ');
        var factor = parts[1] switch { "B" => 1, "KiB" => 1024, "MiB" => 1024 * 1024, "GiB" => 1024d * 1024 * 1024, _ => double.NaN };
        return double.Parse(parts[0], CultureInfo.InvariantCulture) * factor;
    }

    private static string Units(double bytes) => (bytes / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    private Task<CliResult> CliAsync(params string[] args) => CliProcess.RunAsync([.. args, "--url", Url]);

    private async Task<(string Name, string Id)> RunAsync(string purpose, string[] options, params string[] command)
    {
        var name = LiveApi.UniqueName(purpose);
        return (name, await _containers.RunAsync(["--name", name, .. options], command));
    }

    private static bool Has(ContainerLive[] containers, string id, Func<ContainerLive, bool> condition) =>
        containers.Any(c => c.Container.Id == id && condition(c));

    private Task<ContainerLive[]> WaitForContainersAsync(Func<ContainerLive[], bool> condition) =>
        Eventually.GetJsonAsync(_client, "/api/containers", condition, Deadline, "the test's containers in the Api");
}
