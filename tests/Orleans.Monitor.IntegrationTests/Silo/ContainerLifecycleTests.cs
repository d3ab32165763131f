using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>
/// A container's lifecycle as the monitor records it from Docker's events, against a real dockerd: what
/// <c>GET /api/containers/{id}/events</c> and the container's row say must match <c>docker events</c> and
/// <c>docker inspect</c>. The shared app re-lists containers only once an hour, so only the events bring the changes.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class ContainerLifecycleTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task Events_ThirtyShortLivedRmContainersInParallel_AllRecordedWithExitCodesThenRemoved()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var runs = await Task.WhenAll(Enumerable.Range(101, 30).Select(async code =>
        {
            var name = LiveApi.UniqueName($"burst{code}");
            var id = (await live.Engine.RunAsync(
                "run", "-d", "--rm", "--network", "none", "--name", name, DockerEngine.BusyboxImage, "sh", "-c", $"exit {code}")).Trim();
            return (Code: code, Name: name, Id: id);
        }));
        var ran = started.Elapsed;

        // Ours: every container's events until its destroy, then its row.
        var recorded = new Dictionary<string, ContainerEventList>();
        foreach (var run in runs)
        {
            recorded[run.Id] = await Eventually.GetJsonAsync<ContainerEventList>(
                _client,
                $"/api/containers/{run.Id}/events",
                list => list.Events.Any(e => e.Action == ContainerEventActions.Destroy),
                Deadline,
                $"{run.Name}'s destroy to be recorded",
                HttpStatusCode.NotFound);
        }

        var allRecorded = started.Elapsed;

        // Docker's own record of the same containers.
        var docker = await DockerEventsAsync(since, runs.Select(r => r.Id).ToHashSet());
        output.WriteLine(FormattableString.Invariant(
            $"30 docker run -d --rm returned after {ran.TotalSeconds:0.0} s; all 30 destroys recorded after {allRecorded.TotalSeconds:0.0} s; docker events: {docker.Count(e => e.Action == ContainerEventActions.Die)} die, {docker.Count(e => e.Action == ContainerEventActions.Destroy)} destroy"));

        var failures = new List<string>();
        foreach (var run in runs)
        {
            var ours = recorded[run.Id].Events;
            var theirs = docker.Where(e => e.Id == run.Id).ToList();
            var ourDie = ours.SingleOrDefault(e => e.Action == ContainerEventActions.Die);
            // The live view drops a destroyed container with the host's next frame; from then on the row is the stored one.
            var row = (await Eventually.GetJsonAsync<ContainerLive>(
                _client, "/api/containers/" + run.Id, c => c.Container.Removed, Deadline, $"{run.Name} to show as removed")).Container;
            output.WriteLine($"{run.Name}: events {string.Join(",", ours.Select(e => e.Action))}; die exitCode {ourDie?.ExitCode}; row {row.State} removed={row.Removed} exitCode={row.ExitCode} lastExitCode={row.LastExitCode}");

            // The same events as docker events, newest first, with the die's exit code.
            var expected = theirs.OrderByDescending(e => e.TimeNano).Select(e => (e.Action, e.TimeNano, e.ExitCode)).ToList();
            var actual = ours.Select(e => (e.Action, e.TimeNano, e.ExitCode)).ToList();
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{run.Name}: docker events {string.Join(" ", expected)} but recorded {string.Join(" ", actual)}");
            }

            if (ourDie?.ExitCode != run.Code || theirs.Single(e => e.Action == ContainerEventActions.Die).ExitCode != run.Code)
            {
                failures.Add($"{run.Name}: exited with {run.Code}, die recorded with {ourDie?.ExitCode}");
            }

            // Stored as exited with its exit code, then removed: the row keeps the code, name and image.
            if (row is not { State: ContainerState.Removed, Removed: true, FinishedAt: not null } || row.ExitCode != run.Code || row.LastExitCode != run.Code
                || row.Name != run.Name || row.Image != DockerEngine.BusyboxImage || row.HostId != live.HostId)
            {
                failures.Add($"{run.Name}: row {JsonSerializer.Serialize(row, MonitorApp.Json)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task Container_RestartLoop_RestartCountAndLastExitCodeMatchDockerInspect()
    {
        var name = LiveApi.UniqueName("loop");
        var id = await _containers.RunAsync(["--name", name, "--restart", "always"], "sh", "-c", "sleep 1; exit 3");

        // While Docker waits to restart it, the container is "restarting" and its exit code is that of the run that ended.
        var restarting = await Eventually.GetJsonAsync<ContainerLive>(
            _client,
            "/api/containers/" + id,
            c => c.Container.State == ContainerState.Restarting && c.Container.RestartCount >= 2,
            Deadline,
            $"{name} restarting after at least 2 restarts",
            HttpStatusCode.NotFound);
        Assert.Equal(3, restarting.Container.ExitCode);
        Assert.Equal(3, restarting.Container.LastExitCode);

        // Whatever its state at the moment, the count and the last exit code are Docker's.
        var seen = new List<string>();
        var agreed = await Eventually.MatchAsync(
            async () =>
            {
                var before = await InspectAsync(id);
                var ours = (await MonitorApp.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id)).Container;
                var after = await InspectAsync(id);
                seen.Add($"docker {before.RestartCount}/{before.Status}, ours {ours.RestartCount}/{ours.State}/last {ours.LastExitCode}");
                return (Docker: before, Ours: ours, Stable: before == after);
            },
            m => m.Stable && m.Ours.RestartCount == m.Docker.RestartCount && m.Ours.State == m.Docker.Status && m.Ours.LastExitCode == 3,
            Deadline,
            $"{name}'s restart count and state to match docker inspect");
        output.WriteLine($"{name}: {string.Join("; ", seen.TakeLast(5))}");
        Assert.True(agreed.Docker.RestartCount >= 2);

        // Events reach the store through the writer's batches, a flush after the live state shows them.
        var restarts = agreed.Docker.RestartCount;
        var recorded = (await Eventually.GetJsonAsync<ContainerEventList>(
            _client,
            $"/api/containers/{id}/events",
            l => l.Events.Count(e => e.Action == ContainerEventActions.Die) >= restarts,
            Deadline,
            $"{name}'s die events in the store for {restarts} restarts")).Events;
        var dies = recorded.Where(e => e.Action == ContainerEventActions.Die).ToList();
        output.WriteLine($"{name}: {recorded.Count} events recorded, {dies.Count} die (exit codes {string.Join(",", dies.Select(d => d.ExitCode).Distinct())})");
        Assert.True(dies.Count >= agreed.Docker.RestartCount, $"{dies.Count} die events for {agreed.Docker.RestartCount} restarts");
        Assert.All(dies, d => Assert.Equal(3, d.ExitCode));
        Assert.Equal(recorded.OrderByDescending(e => e.TimeNano).Select(e => e.TimeNano), recorded.Select(e => e.TimeNano));
    }

    [Fact]
    public async Task Events_ChildProcessOomKilledWhileContainerKeepsRunning_OomRecorded()
    {
        var name = LiveApi.UniqueName("oom");
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);

        // tail buffers /dev/zero until the kernel kills it at the 32 MiB limit; the shell (PID 1) goes on sleeping.
        var id = await _containers.RunAsync(["--name", name, "-m", "32m", "--memory-swap", "32m"], "sh", "-c", "tail /dev/zero; sleep 600");

        var recorded = await Eventually.GetJsonAsync<ContainerEventList>(
            _client,
            $"/api/containers/{id}/events",
            list => list.Events.Any(e => e.Action == ContainerEventActions.Oom),
            Deadline,
            $"{name}'s oom to be recorded",
            HttpStatusCode.NotFound);
        var container = (await MonitorApp.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id)).Container;
        var inspect = await InspectAsync(id);
        var docker = await DockerEventsAsync(since, [id]);

        output.WriteLine($"{name}: recorded {string.Join(",", recorded.Events.Select(e => e.Action))}; docker {inspect.Status}, ours {container.State} oomKilled={container.OomKilled}");
        Assert.Equal(ContainerState.Running, inspect.Status);
        Assert.Equal(ContainerState.Running, container.State);
        Assert.True(container.OomKilled);
        Assert.Equal(
            docker.Where(e => e.Action == ContainerEventActions.Oom).Select(e => e.TimeNano),
            recorded.Events.Where(e => e.Action == ContainerEventActions.Oom).Select(e => e.TimeNano).Reverse());
        Assert.DoesNotContain(recorded.Events, e => e.Action == ContainerEventActions.Die);
    }

    private async Task<(int RestartCount, string Status)> InspectAsync(string id)
    {
        var parts = (await live.Engine.RunAsync("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", id)).Trim().Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]);
    }

    /// <summary><c>docker events</c> of the given containers from <paramref name="since"/> until now, the recorded actions only.</summary>
    private async Task<List<(string Id, string Action, long TimeNano, int? ExitCode)>> DockerEventsAsync(DateTimeOffset since, HashSet<string> ids)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var lines = await live.Engine.RunAsync(
            "events",
            "--since", since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--until", until.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--filter", "type=container",
            "--format", "{{json .}}");
        var events = new List<(string, string, long, int?)>();
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var actor = root.GetProperty("Actor");
            var id = actor.GetProperty("ID").GetString()!;
            var action = root.GetProperty("Action").GetString()!.Split(':')[0];
            if (!ids.Contains(id) || !ContainerEventActions.Recorded.Contains(action))
            {
                continue;
            }

            int? exitCode = actor.GetProperty("Attributes").TryGetProperty("exitCode", out var code)
                ? int.Parse(code.GetString()!, CultureInfo.InvariantCulture)
                : null;
            events.Add((id, action, root.GetProperty("timeNano").GetInt64(), exitCode));
        }

        return events;
    }
}
