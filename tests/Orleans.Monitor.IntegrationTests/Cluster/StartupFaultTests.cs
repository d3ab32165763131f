using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>A Silo or Api process given an unusable <c>ConnectionStrings:Monitor</c> exits at start and says why in one line.</summary>
public sealed class StartupFaultTests : IAsyncDisposable
{
    private static readonly string LogDirectory = Path.Combine(AppContext.BaseDirectory, "cluster-logs", "startup-faults");

    private readonly List<MonitorProcess> _processes = [];

    public static TheoryData<string, string, string> Cases => new()
    {
        { "Silo", "malformed", "Host=127.0.0.1;Port=not-a-port" },
        { "Api", "malformed", "Host=127.0.0.1;Port=not-a-port" },
        { "Silo", "unreachable", $"Host=127.0.0.1;Port={MonitorProcess.FreePort()};Username=postgres;Timeout=1" },
        { "Api", "unreachable", $"Host=127.0.0.1;Port={MonitorProcess.FreePort()};Username=postgres;Timeout=1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Start_BadConnectionString_ExitsNonZeroWithOneLineNamingTheSetting(string project, string fault, string connectionString)
    {
        var process = MonitorProcess.Start(project, $"Orleans.Monitor.{project}", $"{project.ToLowerInvariant()}-{fault}", LogDirectory, new Dictionary<string, string>
        {
            ["ConnectionStrings__Monitor"] = connectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{MonitorProcess.FreePort()}",
            // Never the machine's engine: a socket that does not exist.
            ["DOCKER_HOST"] = "unix:///tmp/no-such-docker-" + Guid.NewGuid().ToString("N")[..8] + ".sock",
            ["Storage__StartupTimeout"] = "00:00:02",
            ["Membership__SiloId"] = "startup-fault",
        });
        _processes.Add(process);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var lines = process.ReadStderr().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains("ConnectionStrings:Monitor", line, StringComparison.Ordinal);
        Assert.True(line.Length > "ConnectionStrings:Monitor".Length + 10, $"no reason in: {line}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }
}
