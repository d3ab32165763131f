using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>
/// <c>orleans-monitor events</c> and the lifecycle columns of <c>ps</c>, the built CLI against a real Api watching a real
/// dockerd, judged by <c>docker events</c> and <c>docker inspect</c>.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class CliEventsTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    private string Url => live.App.ServerAddress!.ToString();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _containers.RemoveAllAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Events_ContainerExitsWithCode_JsonTableAndCsvListDockersEventsNewestFirst()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        var (name, id) = await RunAsync("ev-exit", [], "sh", "-c", "sleep 1; exit 7");
        await WaitForEventsAsync(id, list => list.Events.Any(e => e.Action == ContainerEventActions.Die), "the die event");

        var docker = await DockerEventsAsync(id, since);

        Assert.Equal(["die", "start", "create"], docker.Select(e => e.Action));
        Assert.Equal(7, docker[0].ExitCode);
        await AssertCliListsAsync(name, docker);
    }

    [Fact]
    public async Task Events_ContainerKilledWithSignal_KillCarriesTheSignalAndDieTheExitCode()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        var (_, id) = await RunAsync("ev-kill", [], "sleep", "600");
        await WaitForEventsAsync(id, list => list.Events.Any(e => e.Action == ContainerEventActions.Start), "the start event");
        await live.Engine.RunAsync("kill", "-s", "KILL", id);
        await WaitForEventsAsync(id, list => list.Events.Any(e => e.Action == ContainerEventActions.Die), "the die event");

        var docker = await DockerEventsAsync(id, since);

        Assert.Equal(["die", "kill", "start", "create"], docker.Select(e => e.Action));
        Assert.Equal("9", docker[1].Signal);
        Assert.Equal(137, docker[0].ExitCode);
        await AssertCliListsAsync(id[..12], docker);
    }

    [Fact]
    public async Task Events_HealthCheckTurnsUnhealthyThenHealthy_EachHealthStatusListed()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        var (name, id) = await RunAsync(
            "ev-health", ["--health-cmd", "test -e /ok", "--health-interval", "1s", "--health-retries", "1"], "sh", "-c", "touch /ok; exec sleep 600");
        await WaitForEventsAsync(id, list => Healths(list).SequenceEqual(["healthy"]), "healthy");
        await live.Engine.RunAsync("exec", id, "rm", "/ok");
        await WaitForEventsAsync(id, list => Healths(list).SequenceEqual(["unhealthy", "healthy"]), "unhealthy after healthy");
        await live.Engine.RunAsync("exec", id, "touch", "/ok");
        await WaitForEventsAsync(id, list => Healths(list).SequenceEqual(["healthy", "unhealthy", "healthy"]), "healthy again");

        var docker = await DockerEventsAsync(id, since);

        Assert.Equal(["health_status", "health_status", "health_status", "start", "create"], docker.Select(e => e.Action));
        Assert.Equal(["healthy", "unhealthy", "healthy"], docker.Take(3).Select(e => e.Health));
        await AssertCliListsAsync(name, docker);
        var ps = await CliAsync("ps", "--filter", name);
        Assert.Contains(ps.Stdout.Split('\n'), l => l.Contains(name, StringComparison.Ordinal) && l.Contains("running (healthy)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_UnknownId_ExitsOneWithTheApisProblemNotAMissingEndpoint()
    {
        var result = await CliAsync("events", "0123456789abcdef");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("error: Unknown container: No container with id '0123456789abcdef' is known to this cluster.\n", result.Stderr);
    }

    [Fact]
    public async Task Ps_RestartLoop_RestartCountAsDockerInspectAndLastExitCodeThree()
    {
        var (name, id) = await RunAsync("ps-loop", ["--restart", "always"], "sh", "-c", "sleep 1; exit 3");
        await Eventually.GetJsonAsync<ContainerLive>(
            _client, "/api/containers/" + id, c => c.Container.RestartCount >= 1, Deadline, $"{name}'s first restart in the Api", HttpStatusCode.NotFound);
        var seen = new List<string>();

        // Docker's restart delay doubles from 100 ms, so the count soon holds still for seconds: agree within a still moment.
        var agreed = await Eventually.MatchAsync(
            async () =>
            {
                var before = await RestartCountAsync(id);
                var json = await CliAsync("ps", "--filter", name, "--output", "json");
                var table = await CliAsync("ps", "--filter", name);
                var csv = await CliAsync("ps", "--filter", name, "--output", "csv");
                var after = await RestartCountAsync(id);
                var row = Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray());
                var ours = (Restarts: row.GetProperty("restartCount").GetInt32(), LastExit: row.GetProperty("lastExitCode") is { ValueKind: JsonValueKind.Number } code ? code.GetInt32() : (int?)null);
                seen.Add($"docker {before}..{after}, ours {ours.Restarts} last exit {ours.LastExit?.ToString(CultureInfo.InvariantCulture) ?? "null"}");
                return (Docker: before, Stable: before == after, Ours: ours, Table: table, Csv: csv);
            },
            m => m.Stable && m.Docker >= 2 && m.Ours.Restarts == m.Docker && m.Ours.LastExit == 3,
            Deadline,
            $"{name}'s restart count as docker inspect's and last exit code 3");
        output.WriteLine(string.Join("\n", seen.TakeLast(5)));
        output.WriteLine(agreed.Table.Stdout);

        Assert.Equal(0, agreed.Table.ExitCode);
        var lines = agreed.Table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = Cells(lines[0]);
        var cells = Cells(Assert.Single(lines[1..]));
        Assert.Equal(["HOST", "CONTAINER ID", "NAME", "IMAGE", "STATE", "RESTARTS", "LAST EXIT"], header[..7]);
        Assert.Equal(name, cells[2]);
        Assert.Equal(agreed.Docker.ToString(CultureInfo.InvariantCulture), cells[5]);
        Assert.Equal("3", cells[6]);
        var csv = agreed.Csv.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var csvRow = csv[0].Split(',').Zip(Assert.Single(csv[1..]).Split(',')).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(agreed.Docker.ToString(CultureInfo.InvariantCulture), csvRow["restartCount"]);
        Assert.Equal("3", csvRow["lastExitCode"]);
    }

    /// <summary>
    /// The CLI's three outputs of <c>events</c> against Docker's events (newest first): the same actions at the same
    /// nanosecond with the same exit code, signal and health status.
    /// </summary>
    private async Task AssertCliListsAsync(string container, IReadOnlyList<DockerEvent> docker)
    {
        var json = await CliAsync("events", container, "--output", "json");
        var table = await CliAsync("events", container);
        var csv = await CliAsync("events", container, "--output", "csv");
        output.WriteLine(table.ToString());

        Assert.Equal(0, json.ExitCode);
        var rows = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(docker.Select(e => e.Action), rows.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal(docker.Select(e => e.TimeNano), rows.Select(r => r.GetProperty("timeNano").GetInt64()));
        Assert.Equal(docker.Select(e => DateTimeOffset.UnixEpoch.AddTicks(e.TimeNano / TimeSpan.NanosecondsPerTick)), rows.Select(r => r.GetProperty("time").GetDateTimeOffset()));
        Assert.Equal(docker.Select(e => e.ExitCode), rows.Select(r => r.GetProperty("exitCode") is { ValueKind: JsonValueKind.Number } c ? c.GetInt32() : (int?)null));
        Assert.Equal(docker.Select(e => e.Signal), rows.Select(r => r.GetProperty("signal").GetString()));
        Assert.Equal(docker.Select(e => e.Health), rows.Select(r => r.GetProperty("health").GetString()));

        Assert.Equal(0, table.ExitCode);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["TIME", "ACTION", "EXIT CODE", "SIGNAL", "HEALTH", "NAME"], Cells(lines[0]));
        Assert.Equal(docker.Count, lines.Length - 1);
        foreach (var (line, expected) in lines[1..].Zip(docker))
        {
            // Empty cells run into the spaces between columns: check the row's words.
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var time = DateTimeOffset.UnixEpoch.AddTicks(expected.TimeNano / TimeSpan.NanosecondsPerTick).ToLocalTime();
            Assert.Equal(time.ToString("HH:mm:ss", CultureInfo.InvariantCulture), words[0]);
            Assert.Equal(expected.Action, words[1]);
            Assert.Equal(
                new[] { expected.ExitCode?.ToString(CultureInfo.InvariantCulture), expected.Signal, expected.Health }.OfType<string>(),
                words[2..^1]);
        }

        Assert.Equal(0, csv.ExitCode);
        var csvLines = csv.Stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,timeNano,action,exitCode,signal,health,name", csvLines[0]);
        Assert.Equal(
            docker.Select(e => string.Join(',', e.TimeNano.ToString(CultureInfo.InvariantCulture), e.Action, e.ExitCode?.ToString(CultureInfo.InvariantCulture), e.Signal, e.Health)),
            csvLines[1..].Select(l => string.Join(',', l.Split(',')[1..6])));
    }

    private static string[] Cells(string line) => Regex.Split(line.Trim(), " {2,}");

    private static IEnumerable<string?> Healths(ContainerEventList list) =>
        list.Events.Where(e => e.Action == ContainerEventActions.HealthStatus).Select(e => e.Health);

    private Task<ContainerEventList> WaitForEventsAsync(string id, Func<ContainerEventList, bool> condition, string what) =>
        Eventually.GetJsonAsync(_client, $"/api/containers/{id}/events", condition, Deadline, $"{id[..12]}: {what} in the Api", HttpStatusCode.NotFound);

    private async Task<int> RestartCountAsync(string id) =>
        int.Parse((await live.Engine.RunAsync("inspect", "--format", "{{.RestartCount}}", id)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Docker's events of one container that the monitor records (no exec_*), newest first.</summary>
    private async Task<List<DockerEvent>> DockerEventsAsync(string id, DateTimeOffset since)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var lines = await live.Engine.RunAsync(
            "events",
            "--since", since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--until", until.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--filter", "container=" + id,
            "--filter", "type=container",
            "--format", "{{json .}}");
        var events = new List<DockerEvent>();
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var root = JsonDocument.Parse(line).RootElement;
            // A health event's action is "health_status: healthy".
            var action = root.GetProperty("Action").GetString()!.Split(": ");
            if (!ContainerEventActions.Recorded.Contains(action[0]))
            {
                continue;
            }

            var attributes = root.GetProperty("Actor").GetProperty("Attributes");
            events.Add(new DockerEvent(
                action[0],
                root.GetProperty("timeNano").GetInt64(),
                attributes.TryGetProperty("exitCode", out var code) ? int.Parse(code.GetString()!, CultureInfo.InvariantCulture) : null,
                attributes.TryGetProperty("signal", out var signal) ? signal.GetString() : null,
                action.Length > 1 ? action[1] : null));
        }

        output.WriteLine($"docker events of {id[..12]}: {string.Join(", ", events.Select(e => e.ToString()))}");
        return [.. events.OrderByDescending(e => e.TimeNano)];
    }

    private Task<CliResult> CliAsync(params string[] args) => CliProcess.RunAsync([.. args, "--url", Url]);

    private async Task<(string Name, string Id)> RunAsync(string purpose, string[] options, params string[] command)
    {
        var name = LiveApi.UniqueName(purpose);
        return (name, await _containers.RunAsync(["--name", name, .. options], command));
    }

    private sealed record DockerEvent(string Action, long TimeNano, int? ExitCode, string? Signal, string? Health);
}
