using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Metrics;

/// <summary>The Silo and Api processes refuse a bad <c>Metrics:Port</c> as every bad setting: one line naming it, exit code 2.</summary>
[Collection(DockerCollection.Name)]
public sealed class MetricsSettingsProcessTests(DockerEngine engine, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(90);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "ommet-" + Guid.NewGuid().ToString("N")[..10]);

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
    [InlineData("Silo", "70000")]
    [InlineData("Silo", "http")]
    [InlineData("Api", "0")]
    public async Task Main_BadMetricsPort_ExitsWithCode2AndOneLineNamingIt(string project, string port)
    {
        var settings = Settings();
        settings["Metrics__Enabled"] = "true";
        settings["Metrics__Port"] = port;

        var line = await ExpectBadSettingAsync(project, settings);

        Assert.StartsWith("Metrics:Port must be a TCP port from 1 to 65535", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("Api")]
    public async Task Main_MetricsPortTaken_ExitsWithCode2AndOneLineNamingIt(string project)
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var settings = Settings();
        settings["Metrics__Enabled"] = "true";
        settings["Metrics__Port"] = port.ToString(CultureInfo.InvariantCulture);

        var line = await ExpectBadSettingAsync(project, settings);

        Assert.Equal($"Metrics:Port ({port}) is already in use by another process.", line);
    }

    private async Task<string> ExpectBadSettingAsync(string project, Dictionary<string, string> settings)
    {
        await using var process = MonitorProcess.Start(project, $"Orleans.Monitor.{project}", project.ToLowerInvariant() + "-metrics", Path.Combine(_root, "logs"), settings);
        var exitCode = await process.WaitForExitAsync(ExitDeadline);
        var lines = process.ReadStderr().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        output.WriteLine($"{project} Metrics:Port={settings["Metrics__Port"]}: exit {exitCode}; stderr: {string.Join(" | ", lines)}");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{process.Tail()}");

        // Found before anything started: nothing listened, and no host logged the failure with a stack trace.
        var stdout = process.ReadStdout();
        Assert.DoesNotContain("Now listening on", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
        return Assert.Single(lines);
    }

    /// <summary>A private data folder and free Orleans ports, so the process shares nothing with other runs.</summary>
    private Dictionary<string, string> Settings() => new()
    {
        ["DOCKER_HOST"] = engine.DockerHost,
        ["Storage__DataPath"] = Path.Combine(_root, "data"),
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        // Orleans cannot bind port 0 and report it back: ports that were free a moment ago.
        ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
    };
}
