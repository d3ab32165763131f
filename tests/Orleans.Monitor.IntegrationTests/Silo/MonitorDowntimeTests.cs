using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Sqlite;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>
/// What happened while the monitor was stopped: the silo starts on a store that holds containers as they were, and
/// must bring them to what Docker says now (removed, or exited with the code and time inspect reports).
/// </summary>
[Collection(DockerFaultsCollection.Name)]
public sealed class MonitorDowntimeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly DockerEngine _engine = new();
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omdown-" + Guid.NewGuid().ToString("N")[..10]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        await ((IAsyncLifetime)_engine).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_engine).DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataPath, recursive: true);
    }

    [Fact]
    public async Task Start_ContainersRemovedAndExitedWhileStopped_StoredAsRemovedAndExitedAsInspectSays()
    {
        var hostId = (await _engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        var gone = await _engine.RunContainerAsync(["--name", LiveApi.UniqueName("gone")], "sleep", "600");
        var quits = await _engine.RunContainerAsync(["--name", LiveApi.UniqueName("quits")], "sh", "-c", "trap 'exit 9' TERM; while :; do sleep 1; done");
        var stays = await _engine.RunContainerAsync(["--name", LiveApi.UniqueName("stays")], "sleep", "600");

        await using (var first = StartApp())
        {
            await first.StartAsync();
            var store = first.Services.GetRequiredService<IMonitorStore>();
            await Eventually.MatchAsync(
                () => store.GetContainersAsync(new ContainerQuery(hostId), CancellationToken.None),
                rows => new[] { gone, quits, stays }.All(id => rows.Any(r => r.Id == id && r.State == ContainerState.Running)),
                Deadline,
                "the three containers stored as running");
        }

        // While no monitor runs: one container is removed, one exits with a code, and the store gains a row of a
        // container this daemon never had (and one of another daemon, which is not this silo's to judge).
        await _engine.RunAsync("rm", "-f", gone);
        await _engine.RunAsync("stop", "-t", "10", quits);
        var inspected = (await _engine.RunAsync("inspect", "--format", "{{.State.ExitCode}} {{.State.FinishedAt}}", quits)).Trim().Split(' ');
        var ghost = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var foreign = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var seeded = new SqliteMonitorStore(Options.Create(new StorageOptions { DataPath = _dataPath }));
        await seeded.UpsertContainersAsync([Row(ghost, hostId, "ghost"), Row(foreign, "OTHER:DAEMON", "elsewhere")], CancellationToken.None);

        await using var second = StartApp();
        await second.StartAsync();
        var rows = await Eventually.MatchAsync(
            () => second.Services.GetRequiredService<IMonitorStore>().GetContainersAsync(new ContainerQuery(), CancellationToken.None),
            all => all.Any(r => r.Id == gone && r.Removed) && all.Any(r => r.Id == ghost && r.Removed)
                && all.Any(r => r.Id == quits && r.State == ContainerState.Exited),
            Deadline,
            "the removed containers marked removed and the exited one stored as exited");
        foreach (var row in rows)
        {
            output.WriteLine($"{row.Name}: {row.State} removed={row.Removed} exitCode={row.ExitCode} finishedAt={row.FinishedAt:O}");
        }

        Assert.Equal((ContainerState.Removed, true), Find(rows, gone));
        Assert.Equal((ContainerState.Removed, true), Find(rows, ghost));
        Assert.Equal((ContainerState.Running, false), Find(rows, foreign));
        Assert.Equal((ContainerState.Running, false), Find(rows, stays));
        var exited = rows.Single(r => r.Id == quits);
        Assert.Equal(int.Parse(inspected[0], CultureInfo.InvariantCulture), exited.ExitCode);
        Assert.Equal(9, exited.ExitCode);
        Assert.Equal(DockerTime(inspected[1]), exited.FinishedAt);

        // The REST view agrees: the removed container is served from the store as removed.
        using var client = second.CreateApiClient();
        var served = await Eventually.GetJsonAsync<ContainerLive>(
            client, "/api/containers/" + gone, c => c.Container.Removed, Deadline, "the removed container served as removed", HttpStatusCode.NotFound);
        Assert.Equal(ContainerState.Removed, served.Container.State);
    }

    private MonitorApp StartApp() => new(
        _engine.DockerHost,
        kestrel: false,
        new Dictionary<string, string?>
        {
            ["Storage:DataPath"] = _dataPath,
            // Only the start's full reconcile may judge the stored containers.
            ["Host:ReconcileInterval"] = "01:00:00",
        });

    private static (string State, bool Removed) Find(IReadOnlyList<ContainerInfo> rows, string id)
    {
        var row = rows.Single(r => r.Id == id);
        return (row.State, row.Removed);
    }

    private static ContainerInfo Row(string id, string hostId, string name) => new(
        id, hostId, name, DockerEngine.BusyboxImage, new Dictionary<string, string>(), null, null, ContainerState.Running, null,
        DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(-1), null, null, false, false);

    /// <summary>dockerd's RFC 3339 time with nanoseconds, cut to the 100 ns ticks the monitor keeps.</summary>
    private static DateTimeOffset DockerTime(string value)
    {
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var fraction = value[(dot + 1)..^1];
        var trimmed = value[..(dot + 1)] + fraction[..Math.Min(7, fraction.Length)] + "Z";
        return DateTimeOffset.Parse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }
}
