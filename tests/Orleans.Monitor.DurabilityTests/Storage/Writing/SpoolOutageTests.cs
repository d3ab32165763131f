using System.Globalization;
using Npgsql;
using Orleans.Monitor.IntegrationTests.Cluster;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.DurabilityTests.Storage.Writing;

/// <summary>
/// Nothing lost: PostgreSQL stopped for <see cref="Outage"/>, the silo SIGKILLed and restarted in the middle of it, then
/// PostgreSQL back. Every minute of every container is then stored exactly once: one row per minute (no gap), and
/// every write of a minute carried the same row (a replay, never a second, split row).
/// </summary>
public sealed class SpoolOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long PostgreSQL is away.</summary>
    public static readonly TimeSpan Outage = TimeSpan.FromMinutes(5);

    private const int ContainerCount = 3;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(3);

    private readonly PostgresServer _postgres = new();
    private readonly RedisServer _redis = new();
    private readonly DockerEngine _engine = new();
    private readonly List<MonitorProcess> _silos = [];
    private readonly List<string> _containers = [];
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "omon-durability-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _logDirectory = Path.Combine(AppContext.BaseDirectory, "durability-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    private readonly int _siloPort = MonitorProcess.FreePort();
    private readonly int _gatewayPort = MonitorProcess.FreePort();

    private string SpoolFolder => Path.Combine(_dataPath, "spool");

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _redis.InitializeAsync(), ((IAsyncLifetime)_engine).InitializeAsync());
        for (var i = 0; i < ContainerCount; i++)
        {
            _containers.Add(await _engine.RunContainerAsync(["--name", $"durable-{i}"], "sleep", "100000"));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        foreach (var container in _containers)
        {
            await _engine.RunAsync("rm", "-f", container);
        }

        await ((IAsyncLifetime)_engine).DisposeAsync();
        await _redis.DisposeAsync();
        await _postgres.DisposeAsync();
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task PostgresOutage_SiloKilledAndRestartedMidway_EveryMinuteStoredExactlyOnce()
    {
        StartSilo();
        var audit = await MinuteAudit.InstallAsync(_postgres.ConnectionString, StartDeadline);
        IReadOnlyList<(string Container, DateTimeOffset Minute, int Samples)> first = [];
        await UntilAsync(
            async () => (first = await MinutesAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue)).Select(m => m.Container).Distinct().Count() == ContainerCount,
            StartDeadline,
            "a first minute row of every container");

        // From the first minute every container has sampled whole and every write of it is recorded.
        var firstAudited = first.GroupBy(m => m.Container).Select(g => g.Min(m => m.Minute)).Append(MinuteAudit.Floor(audit.InstalledAt)).Max().AddMinutes(1);

        // The outage starts a little after a minute boundary, and the silo dies early in a minute, so the new
        // process samples again before that minute closes (otherwise the minute would have no sample at all).
        await DelayToSecondAsync(5);
        var outageStart = DateTimeOffset.UtcNow;
        await _postgres.StopAsync();
        output.WriteLine($"{outageStart:HH:mm:ss} PostgreSQL stopped");

        await Task.Delay(Outage / 2);
        await DelayToSecondAsync(3);
        var spooled = SpooledLines();
        Assert.True(spooled > 0, "the silo spooled nothing during the outage");
        await _silos[^1].KillAsync();
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} silo SIGKILLed with {spooled} rows in its spool");
        StartSilo();

        var remaining = Outage - (DateTimeOffset.UtcNow - outageStart);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        Assert.False(_silos[^1].HasExited, $"the restarted silo exited with {_silos[^1].ExitCode}\n{_silos[^1].Tail()}");
        await _postgres.StartAsync();
        var back = DateTimeOffset.UtcNow;
        output.WriteLine($"{back:HH:mm:ss} PostgreSQL back after {back - outageStart:mm\\:ss}");

        // Every closed minute from the first audited one to the one before PostgreSQL came back.
        var lastMinute = MinuteAudit.Floor(back).AddMinutes(-1);
        var expected = Enumerable.Range(0, (int)(lastMinute - firstAudited).TotalMinutes + 1).Select(i => firstAudited.AddMinutes(i)).ToList();
        IReadOnlyList<(string Container, DateTimeOffset Minute, int Samples)> stored = [];
        await UntilAsync(
            async () =>
            {
                stored = await MinutesAsync(firstAudited, lastMinute);
                return stored.Count >= expected.Count * ContainerCount;
            },
            StartDeadline,
            "every minute of every container to be written",
            () => Missing(stored, expected));

        Assert.Equal("", Missing(stored, expected));
        Assert.Equal(expected.Count * ContainerCount, stored.Count);
        var writes = await audit.ReadAsync(_containers, firstAudited, lastMinute);
        var split = writes.Where(w => w.MinSamples != w.MaxSamples).ToList();
        Assert.True(split.Count == 0, "minutes written with different rows:\n" + string.Join('\n', split));
        output.WriteLine($"{expected.Count} minutes × {ContainerCount} containers stored once each; {writes.Count(w => w.Writes > 1)} of them written again by the replay with the same row");
        await UntilAsync(() => Task.FromResult(SpooledLines() == 0), StartDeadline, "the spool to be emptied once written");
    }

    private void StartSilo()
    {
        _silos.Add(MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", $"silo-{_silos.Count + 1}", _logDirectory, new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = _engine.DockerHost,
            ["ConnectionStrings__Redis"] = _redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = _postgres.ConnectionString,
            ["Orleans__ClusterId"] = "durable-" + Path.GetFileName(_dataPath),
            ["Orleans__Endpoints__SiloPort"] = _siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = _gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Storage__DataPath"] = _dataPath,
            ["Storage__Writer__RetryMaxDelay"] = "5s",
        }));
    }

    private long SpooledLines() =>
        Directory.Exists(SpoolFolder)
            ? Directory.GetFiles(SpoolFolder, "*.jsonl").Sum(f => File.ReadLines(f).LongCount(l => l.Length > 0))
            : 0;

    private string Missing(IReadOnlyList<(string Container, DateTimeOffset Minute, int Samples)> stored, IReadOnlyList<DateTimeOffset> expected)
    {
        var have = stored.Select(s => (s.Container, s.Minute)).ToHashSet();
        var missing = _containers.SelectMany(c => expected.Where(m => !have.Contains((c, m))).Select(m => $"{c[..12]} {m:HH:mm}")).ToList();
        return missing.Count == 0 ? "" : "missing: " + string.Join(", ", missing) + "\n" + _silos[^1].Tail();
    }

    private async Task<IReadOnlyList<(string Container, DateTimeOffset Minute, int Samples)>> MinutesAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var builder = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT container_id, minute, sample_count FROM minute_aggregates WHERE container_id = ANY(@c) AND minute >= @from AND minute <= @to ORDER BY 1, 2;",
            connection);
        command.Parameters.AddWithValue("c", _containers.ToArray());
        command.Parameters.AddWithValue("from", from == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : from);
        command.Parameters.AddWithValue("to", to == DateTimeOffset.MaxValue ? DateTimeOffset.UtcNow.AddDays(1) : to);
        var rows = new List<(string, DateTimeOffset, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2)));
        }

        return rows;
    }

    /// <summary>Waits for the next time the clock shows <paramref name="second"/> seconds past a minute.</summary>
    private static Task DelayToSecondAsync(int second)
    {
        var now = DateTimeOffset.UtcNow;
        var target = MinuteAudit.Floor(now).AddSeconds(second);
        if (target <= now)
        {
            target = target.AddMinutes(1);
        }

        return Task.Delay(target - now);
    }

    private async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (_silos[^1].HasExited)
            {
                throw new InvalidOperationException($"{_silos[^1].Name} exited with {_silos[^1].ExitCode} while waiting for {what}\n{_silos[^1].Tail()}");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"No {what} within {timeout}. {state?.Invoke()}\n{_silos[^1].Tail()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
