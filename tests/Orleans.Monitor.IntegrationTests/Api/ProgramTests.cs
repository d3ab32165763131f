using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>The Api as a real process: started as the README says, and refusing a bad setting the way supervisors expect.</summary>
[Collection(DockerCollection.Name)]
public sealed partial class ProgramTests(DockerEngine engine, ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "omprog-" + Guid.NewGuid().ToString("N")[..10]);

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Stats__Source", "bogus", "Stats:Source" },
        { "ConnectionStrings__Redis", "127.0.0.1:6379,connectTimeout=soon", "ConnectionStrings:Redis" },
        { "Orleans__Endpoints__SiloPort", "abc", "Orleans:Endpoints:SiloPort" },
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was written.
        }
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Main_BadSetting_ExitsWithCode2AndOneLineNamingIt(string variable, string value, string setting)
    {
        var environment = Settings();
        environment[variable] = value;
        await using var api = MonitorProcess.Start("Api", "Orleans.Monitor.Api", "api-bad", Path.Combine(_root, "logs"), environment);

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var lines = api.ReadStderr().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        output.WriteLine($"{variable}={value}: exit {exitCode}; stderr: {string.Join(" | ", lines)}");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{api.Tail()}");
        var line = Assert.Single(lines);
        Assert.Contains(setting, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotnetRunProjectApi_RealEngine_ServesItsHostUp()
    {
        // The README's command, from the repository root, against a real engine through DOCKER_HOST.
        var hostId = (await engine.RunAsync("info", "--format", "{{.ID}}")).Trim();
        var environment = Settings();
        environment.Remove("Docker__Host");
        environment["DOCKER_HOST"] = engine.DockerHost;
        await using var api = MonitorProcess.StartDotnet(
            MonitorProcess.RepositoryRoot(),
            ["run", "--project", "Api", "--", "--urls", "http://127.0.0.1:0"],
            "api-run",
            Path.Combine(_root, "logs"),
            environment);

        // dotnet run builds first; the app prints the address it bound.
        string? address = null;
        await Poll.UntilAsync(
            () =>
            {
                Assert.False(api.HasExited, $"dotnet run exited\n{api.Tail()}");
                address = ListeningOn().Match(api.ReadStdout()) is { Success: true } match ? match.Groups[1].Value : null;
                return address is not null;
            },
            TimeSpan.FromMinutes(8),
            "dotnet run to build and print 'Now listening on'",
            () => api.Tail(10));

        using var client = new HttpClient { BaseAddress = new Uri(address!), Timeout = TimeSpan.FromSeconds(30) };
        var hosts = await Eventually.GetJsonAsync<HostSummary[]>(
            client, "/api/hosts", list => list.Any(h => h.Status == HostStatus.Up), TimeSpan.FromSeconds(90), "the engine's host up");

        output.WriteLine($"listening on {address}; hosts: {JsonSerializer.Serialize(hosts, MonitorApp.Json)}");
        var host = Assert.Single(hosts);
        Assert.Equal(hostId, host.HostId);
        Assert.Equal(hostId, host.Host?.HostId);
        Assert.Null(host.Error);
        await api.StopAsync(TimeSpan.FromSeconds(30));
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:[0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningOn();

    /// <summary>A private data folder and silo port, so the process shares nothing with other apps on the machine.</summary>
    private Dictionary<string, string> Settings() => new()
    {
        ["Docker__Host"] = engine.DockerHost,
        ["Storage__DataPath"] = Path.Combine(_root, "data"),
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        // Orleans cannot bind port 0 and report it back: a port that was free a moment ago.
        ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
    };
}
