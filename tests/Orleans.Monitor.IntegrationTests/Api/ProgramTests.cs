using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>The Api as a real process: started as the README says, and refusing a bad setting the way supervisors expect.</summary>
[Collection(DockerCollection.Name)]
public sealed partial class ProgramTests(DockerEngine engine, ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "omprog-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>project, variable, value, the setting the line must name, what it must say is accepted.</summary>
    public static TheoryData<string, string, string, string, string> BadSettings
    {
        get
        {
            var data = new TheoryData<string, string, string, string, string>();
            foreach (var project in new[] { "Api", "Silo" })
            {
                data.Add(project, "Sampling__Interval", "1x", "Sampling:Interval", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Sampling__Interval", "30", "Sampling:Interval", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Sampling__Interval", "10ms", "Sampling:Interval", "from 100ms to 1m");
                data.Add(project, "Sampling__Window", "forever", "Sampling:Window", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Sampling__FailuresBeforeRestart", "three", "Sampling:FailuresBeforeRestart", "whole number");
                data.Add(project, "Host__ReconcileInterval", "30", "Host:ReconcileInterval", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Host__ReconnectMaxDelay", "2d", "Host:ReconnectMaxDelay", "from 100ms to 1h");
                data.Add(project, "Storage__Writer__FlushInterval", "soon", "Storage:Writer:FlushInterval", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Docker__RequestTimeout", "10x", "Docker:RequestTimeout", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Stats__Cgroup__HostCpuMaxAge", "2s", "Stats:Cgroup:HostCpuMaxAge", "from 0s to 1s");
                data.Add(project, "Stats__Source", "bogus", "Stats:Source", "auto, cgroup, docker-api");
                data.Add(project, "DOCKER_HOST", "ftp://docker", "DOCKER_HOST", "unix:///path/to/docker.sock or tcp://host:port");
                data.Add(project, "Docker__Host", "tcp://127.0.0.1", "Docker:Host", "unix:///path/to/docker.sock or tcp://host:port");
                data.Add(project, "ASPNETCORE_URLS", "bogus", "ASPNETCORE_URLS", "http://HOST:PORT");
                data.Add(project, "ASPNETCORE_URLS", "http://127.0.0.1:99999", "ASPNETCORE_URLS", "http://HOST:PORT");
                data.Add(project, "Orleans__Endpoints__SiloPort", "abc", "Orleans:Endpoints:SiloPort", "from 1 to 65535");
                data.Add(project, "ConnectionStrings__Redis", "127.0.0.1:6379,connectTimeout=soon", "ConnectionStrings:Redis", "StackExchange.Redis configuration string");
                data.Add(project, "Autoscale__Enabled", "maybe", "Autoscale:Enabled", "true or false");
                data.Add(project, "Rules__EvaluationInterval", "5", "Rules:EvaluationInterval", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Rules__EvaluationInterval", "100ms", "Rules:EvaluationInterval", "from 500ms to 10m");
                data.Add(project, "Alerting__AlertmanagerUrl", "alertmanager:9093", "Alerting:AlertmanagerUrl", "absolute http or https URL");
                data.Add(project, "Alerting__Webhooks__0", "ftp://hooks.example/x", "Alerting:Webhooks:0", "absolute http or https URL");
                data.Add(project, "Retention__Minutes", "14", "Retention:Minutes", "1s, 10m, 2h, 30d or hh:mm:ss");
                data.Add(project, "Retention__Interval", "10s", "Retention:Interval", "at least 1m");
                data.Add(project, "Retention__Hours", "1d", "Retention:Hours", "at least Retention:Minutes");
                data.Add(project, "Storage__Spool__MaxRows", "3", "Storage:Spool:MaxRows", "at least 10");
                data.Add(project, "Orleans__Tls__CaPath", "/etc/ssl/certs/ca-certificates.crt", "Orleans:Tls:CertificatePath", "is required");
            }

            data.Add("Api", "Api__HistoryRetention", "30", "Api:HistoryRetention", "1s, 10m, 2h, 30d or hh:mm:ss");
            data.Add("Api", "Api__HistoryRetention", "10m", "Api:HistoryRetention", "from 1h to 3650d");
            data.Add("Api", "--urls", "bogus", "--urls", "http://HOST:PORT");
            // Listening beyond loopback without an API key: refused, never open to the network.
            data.Add("Api", "ASPNETCORE_URLS", "http://0.0.0.0:0", "Auth:ApiKeys", "sha256sum");
            data.Add("Api", "Auth__ApiKeys__0__Name", "ops", "Auth:ApiKeys:0:Role", "'viewer' or 'operator'");

            // Cluster mode, checked before Redis or PostgreSQL is asked anything (neither is there).
            data.Add("Silo", "Orleans__Membership__ProbeTimeout", "abc", "Orleans:Membership:ProbeTimeout", "1s, 10m, 2h, 30d or hh:mm:ss");
            return data;
        }
    }

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
    public async Task Main_BadSetting_ExitsWithCode2AndOneLineNamingItAndWhatItAccepts(
        string project, string variable, string value, string setting, string accepted)
    {
        var environment = Settings();
        string[] arguments = [];
        if (variable.StartsWith("--", StringComparison.Ordinal))
        {
            arguments = [variable, value];
        }
        else
        {
            environment[variable] = value;
        }

        if (variable == "DOCKER_HOST")
        {
            // Docker:Host would win over it.
            environment.Remove("Docker__Host");
        }

        if (variable.StartsWith("Orleans__Membership", StringComparison.Ordinal))
        {
            environment["ConnectionStrings__Redis"] = "127.0.0.1:1";
            environment["ConnectionStrings__Monitor"] = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=1";
        }

        await using var process = Start(project, $"{project.ToLowerInvariant()}-bad", environment, arguments);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var lines = process.ReadStderr().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        output.WriteLine($"{project} {variable}={value}: exit {exitCode}; stderr: {string.Join(" | ", lines)}");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{process.Tail()}");
        var line = Assert.Single(lines);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.Contains(accepted, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);

        // Found before anything started: nothing listened, and no host logged the failure with a stack trace.
        var stdout = process.ReadStdout();
        Assert.DoesNotContain("Now listening on", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("Silo")]
    public async Task Main_ListenUrlHeldByAnotherProcess_ExitsWithCode2AndOneLineNamingUrls(string project)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";
        var environment = Settings();
        environment["ASPNETCORE_URLS"] = url;
        environment["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        await using var process = Start(project, $"{project.ToLowerInvariant()}-url-held", environment, []);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var lines = process.ReadStderr().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        output.WriteLine($"{project} ASPNETCORE_URLS={url} (held): exit {exitCode}; stderr: {string.Join(" | ", lines)}");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{process.Tail()}");
        var line = Assert.Single(lines);
        Assert.StartsWith("urls (--urls or ASPNETCORE_URLS): ", line, StringComparison.Ordinal);
        Assert.Contains(url, line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);

        // Found before anything started: nothing listened, and no host logged the failure with a stack trace.
        var stdout = process.ReadStdout();
        Assert.DoesNotContain("Now listening on", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("Silo")]
    public async Task Main_DurationsWithUnits_StartAndServe(string project)
    {
        // The forms the README writes, on every duration setting a process reads, mixed with hh:mm:ss.
        var environment = Settings();
        environment["Sampling__Interval"] = "1s";
        environment["Sampling__Window"] = "10m";
        environment["Api__HistoryRetention"] = "30d";
        environment["Host__ReconcileInterval"] = "2h";
        environment["Host__ReconnectBaseDelay"] = "500ms";
        environment["Host__ReconnectMaxDelay"] = "00:00:05";
        environment["Storage__Writer__FlushInterval"] = "1s";
        environment["Docker__RequestTimeout"] = "10s";
        await using var process = Start(project, $"{project.ToLowerInvariant()}-units", environment, []);

        using var client = await ListeningClientAsync(process);
        if (project == "Silo")
        {
            // The silo serves /healthz once its host is built, so its options were bound and validated.
            await Poll.UntilAsync(
                async () =>
                {
                    using var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
                    Assert.True(health.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/healthz {health.StatusCode}");
                    return health.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(60),
                "the silo's /healthz",
                () => process.Tail(5));
            Assert.Equal("", process.ReadStderr().Trim());
            Assert.False(process.HasExited, process.Tail());
            return;
        }

        var hosts = await Eventually.GetJsonAsync<HostSummary[]>(
            client, "/api/hosts", list => list.Any(h => h.Status == HostStatus.Up), TimeSpan.FromSeconds(90), "the engine's host up");
        var hostId = Assert.Single(hosts).HostId;

        // Api:HistoryRetention=30d took effect: 29 days back is allowed, 31 days back is refused as older than it.
        var now = DateTimeOffset.UtcNow;
        using var inside = await client.GetAsync(new Uri($"/api/hosts/{hostId}/history?from={Iso(now.AddDays(-29))}&step=1d", UriKind.Relative));
        using var outside = await client.GetAsync(new Uri($"/api/hosts/{hostId}/history?from={Iso(now.AddDays(-31))}&step=1d", UriKind.Relative));
        var refusal = await outside.Content.ReadAsStringAsync();
        output.WriteLine($"29 days back: {(int)inside.StatusCode}; 31 days back: {(int)outside.StatusCode} {refusal}");
        Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("30 days", refusal, StringComparison.Ordinal);
        Assert.Equal("", process.ReadStderr().Trim());
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("Silo")]
    public async Task Main_ReadmeConfigurationExamples_StartAndServe(string project)
    {
        var examples = ReadmeExamples();
        output.WriteLine(string.Join("; ", examples.Select(e => $"{e.Key}={e.Value}")));
        Assert.True(examples.Count >= 7, $"only {examples.Count} duration examples found in the README's settings table");
        var environment = Settings();
        foreach (var (key, value) in examples)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        await using var process = Start(project, $"{project.ToLowerInvariant()}-readme", environment, []);
        using var client = await ListeningClientAsync(process);
        var path = project == "Api" ? "/api/hosts" : "/healthz";
        await Poll.UntilAsync(
            async () =>
            {
                using var response = await GetOrExplainExitAsync(client, path, process);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{path} {response.StatusCode}");
                return response.StatusCode == HttpStatusCode.OK && (project == "Silo" || body.Contains("\"status\":\"up\"", StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(90),
            $"{path} to serve the engine's host",
            () => process.Tail(5));
        Assert.Equal("", process.ReadStderr().Trim());

        // What the README's note says of the forms.
        Assert.True(Duration.TryParse("00:00:30", out var thirtySeconds) && thirtySeconds == TimeSpan.FromSeconds(30));
        Assert.True(Duration.TryParse("30.00:00:00", out var thirtyDays) && thirtyDays == TimeSpan.FromDays(30));
        Assert.False(Duration.TryParse("30", out _));
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("Silo")]
    public async Task Main_MissingDockerSocket_KeepsRetryingAndReportsTheSocketPath(string project)
    {
        var socket = "/tmp/no-such-docker-" + Guid.NewGuid().ToString("N")[..8] + ".sock";
        var environment = Settings();
        environment.Remove("Docker__Host");
        environment["DOCKER_HOST"] = "unix://" + socket;
        await using var process = Start(project, $"{project.ToLowerInvariant()}-nosocket", environment, []);

        string? report = null;
        if (project == "Api")
        {
            using var client = await ListeningClientAsync(process);
            var hosts = await Eventually.GetJsonAsync<HostSummary[]>(
                client, "/api/hosts", list => list.Any(h => h.Error is not null), TimeSpan.FromSeconds(60), "the host's error");
            report = Assert.Single(hosts).Error;
        }
        else
        {
            await Poll.UntilAsync(
                () =>
                {
                    Assert.False(process.HasExited, process.Tail());
                    report = process.ReadStdout().Split('\n').FirstOrDefault(l => l.Contains("Docker is unreachable", StringComparison.Ordinal));
                    return report is not null;
                },
                TimeSpan.FromSeconds(60),
                "the silo's warning that Docker is unreachable",
                () => process.Tail(5));
        }

        output.WriteLine(report);
        Assert.Contains("no socket at " + socket, report, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost", report, StringComparison.OrdinalIgnoreCase);
        Assert.False(process.HasExited, process.Tail());
    }

    [Fact]
    public async Task GetCluster_FirstAskedAfterStart_ReportsTheSiloStartNotTheRequest()
    {
        var launched = DateTimeOffset.UtcNow;
        await using var api = Start("Api", "api-cluster-start", Settings(), []);
        using var client = await ListeningClientAsync(api);

        // No request yet: wait for the Api's own log line that it follows the silo's host.
        await Poll.UntilAsync(
            () => api.ReadStdout().Contains("Following host", StringComparison.Ordinal),
            TimeSpan.FromSeconds(90),
            "the Api to follow its co-hosted silo's host",
            () => api.Tail(5));
        var beforeFirstRequest = DateTimeOffset.UtcNow;
        var cluster = await MonitorApp.GetJsonAsync<ClusterView>(client, "/api/cluster");

        var silo = Assert.Single(cluster.Silos);
        output.WriteLine($"launched {launched:O}, silo start {silo.StartTime:O}, first request {beforeFirstRequest:O}");
        Assert.InRange(silo.StartTime, launched, beforeFirstRequest);
    }

    /// <summary>Pairs of the README's settings table whose example is a duration: <c>Sampling:Interval</c> = <c>1s</c>, ...</summary>
    private static List<KeyValuePair<string, string>> ReadmeExamples()
    {
        var readme = File.ReadAllLines(Path.Combine(MonitorProcess.RepositoryRoot(), "README.md"));
        var examples = new List<KeyValuePair<string, string>>();
        foreach (var row in readme.Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Split('|');
            var keys = Ticked().Matches(cells[1]).Select(m => m.Groups[1].Value).Where(k => k.Contains(':', StringComparison.Ordinal)).ToList();
            var values = Ticked().Matches(cells[2]).Select(m => m.Groups[1].Value).ToList();
            if (keys.Count == values.Count)
            {
                examples.AddRange(keys.Zip(values, (k, v) => KeyValuePair.Create(k, v)).Where(e => Duration.TryParse(e.Value, out _)));
            }
        }

        return examples;
    }

    [GeneratedRegex("`([^`]+)`", RegexOptions.CultureInvariant)]
    private static partial Regex Ticked();

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

    private static string Iso(DateTimeOffset time) =>
        Uri.EscapeDataString(time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    /// <summary>The built Api or Silo with <paramref name="arguments"/> on its command line.</summary>
    private MonitorProcess Start(string project, string name, Dictionary<string, string> environment, string[] arguments)
    {
        var dll = MonitorProcess.FindBuiltAssembly(project, "Orleans.Monitor." + project);
        return MonitorProcess.StartDotnet(Path.GetDirectoryName(dll)!, [dll, .. arguments], name, Path.Combine(_root, "logs"), environment);
    }

    /// <summary>Waits for the process to print the address it bound and returns a client for it.</summary>
    private static async Task<HttpClient> ListeningClientAsync(MonitorProcess process)
    {
        string? address = null;
        await Poll.UntilAsync(
            () =>
            {
                Assert.False(process.HasExited, $"{process.Name} exited\n{process.Tail()}");
                address = ListeningOn().Match(process.ReadStdout()) is { Success: true } match ? match.Groups[1].Value : null;
                return address is not null;
            },
            TimeSpan.FromSeconds(90),
            $"{process.Name} to print 'Now listening on'",
            () => process.Tail(10));
        return new HttpClient { BaseAddress = new Uri(address!), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A private data folder and silo port, so the process shares nothing with other apps on the machine.</summary>
    /// <summary>A GET that, when the process has exited after it listened, fails with its exit code and last lines.</summary>
    private static async Task<HttpResponseMessage> GetOrExplainExitAsync(HttpClient client, string path, MonitorProcess process)
    {
        try
        {
            return await client.GetAsync(new Uri(path, UriKind.Relative));
        }
        catch (HttpRequestException ex)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var state = process.HasExited ? $"exited with {process.ExitCode}" : "still running";
            throw new InvalidOperationException($"GET {path} failed ({ex.Message}); the process {state}. stderr: {process.ReadStderr()} tail: {process.Tail(20)}", ex);
        }
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["Docker__Host"] = engine.DockerHost,
        ["Storage__DataPath"] = Path.Combine(_root, "data"),
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        // Orleans cannot bind port 0 and report it back: a port that was free a moment ago.
        ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
    };
}
