using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// Silo and Api processes started with a bad setting or into a bad situation: a bad setting ends the process with
/// exit code 2 and one line naming it; a missing Redis is waited for. Runs beside the shared cluster, whose host 1
/// (never disturbed by the cluster tests) serves as the daemon a second silo must not take over.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class StartupFaultTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(90);

    public static TheoryData<string, string, string, string> MalformedSettings => new()
    {
        { "Silo", "ConnectionStrings__Redis", "127.0.0.1:6379,connectTimeout=soon", "ConnectionStrings:Redis" },
        { "Silo", "ConnectionStrings__Redis", "abortConnect=false", "ConnectionStrings:Redis" },
        { "Silo", "Orleans__Endpoints__SiloPort", "abc", "Orleans:Endpoints:SiloPort" },
        { "Silo", "Orleans__Endpoints__SiloPort", "70000", "Orleans:Endpoints:SiloPort" },
        { "Silo", "Orleans__Endpoints__GatewayPort", "-1", "Orleans:Endpoints:GatewayPort" },
        { "Silo", "Orleans__Endpoints__AdvertisedIPAddress", "not-an-ip", "Orleans:Endpoints:AdvertisedIPAddress" },
        { "Silo", "ConnectionStrings__Monitor", "", "ConnectionStrings:Monitor" },
        { "Api", "ConnectionStrings__Redis", "127.0.0.1:6379,connectTimeout=soon", "ConnectionStrings:Redis" },
        { "Api", "Orleans__Endpoints__SiloPort", "abc", "Orleans:Endpoints:SiloPort" },
        { "Api", "Orleans__Endpoints__AdvertisedIPAddress", "not-an-ip", "Orleans:Endpoints:AdvertisedIPAddress" },
        { "Api", "ConnectionStrings__Monitor", "", "ConnectionStrings:Monitor" },
        // No key configured (the row's setting is absent): a cluster Api is never open to anyone who reaches it.
        { "Api", "Auth__ApiKeys__0__Sha256", "", "Auth:ApiKeys" },
    };

    [Theory]
    [MemberData(nameof(MalformedSettings))]
    public async Task Start_MalformedSetting_ExitsTwoWithOneLineNamingIt(string project, string key, string value, string named)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = cluster.Redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=1",
            // A cluster of its own, never the shared one, and never the machine's Docker engine.
            ["Orleans__ClusterId"] = "fault-" + Guid.NewGuid().ToString("N")[..8],
            ["DOCKER_HOST"] = "unix:///tmp/no-such-docker-" + Guid.NewGuid().ToString("N")[..8] + ".sock",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        if (value.Length == 0)
        {
            settings.Remove(key);
        }
        else
        {
            settings[key] = value;
        }

        var process = cluster.StartProcess(project, $"{project.ToLowerInvariant()}-bad-{key.Split("__")[^1].ToLowerInvariant()}", settings);
        await AssertRefusedAsync(process, named);
    }

    [Fact]
    public async Task Silo_SiloPortHeldByAnotherProcess_ExitsTwoNamingSiloPort()
    {
        using var holder = new TcpListener(IPAddress.Any, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var host = cluster.Hosts[0];
        var process = cluster.StartProcess("Silo", "silo-port-held", cluster.SiloSettings(host, new Dictionary<string, string>
        {
            // Another cluster, so the daemon check cannot be what refuses it.
            ["Orleans__ClusterId"] = "fault-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans__Endpoints__SiloPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

        await AssertRefusedAsync(process, "Orleans:Endpoints:SiloPort");
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), process.ReadStderr(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_SecondForSameDaemon_RefusedWhileFirstKeepsItsHostUp()
    {
        var host = cluster.Hosts[0];
        foreach (var api in cluster.Apis)
        {
            await cluster.WaitAllHostsUpAsync(api, ExitDeadline);
        }

        var first = Assert.Single((await ClusterFixture.GetClusterAsync(cluster.Apis[0])).Silos, s => s.HostId == host.HostId && s.Status == "active");
        var targets = cluster.Apis.Select(api => (api, $"/api/hosts/{host.HostId}")).ToList();
        int exitCode;
        await using (var probe = new RestProbe(targets, RestProbe.HostStatusIs(HostStatus.Up)))
        {
            var second = cluster.StartProcess("Silo", "silo-second", cluster.SiloSettings(host, new Dictionary<string, string>
            {
                ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            exitCode = await AssertRefusedAsync(second, host.HostId);

            // The refused silo's row stays in the table: the Apis must keep following the first one past their next reads.
            await cluster.UntilAsync(
                async () => (await ClusterFixture.GetClusterAsync(cluster.Apis[0])).Silos.Any(s => s.HostId == host.HostId && s.Generation > first.Generation),
                ExitDeadline,
                "the refused silo's row in api-1's cluster view");
            var seen = DateTimeOffset.UtcNow;
            await cluster.UntilAsync(
                async () => (await ClusterFixture.GetHostsAsync(cluster.Apis[1])).Single(h => h.HostId == host.HostId).LastSeen > seen.AddSeconds(3),
                ExitDeadline,
                $"{host} to be seen again after the refused silo's row was read");
            output.WriteLine($"second silo for {host}: exit code {exitCode}; {probe.Calls} reads of the host meanwhile, {probe.Failures.Count} not up");
            Assert.True(probe.Failures.Count == 0, string.Join('\n', probe.Failures));
        }

        var still = Assert.Single((await ClusterFixture.GetClusterAsync(cluster.Apis[0])).Silos, s => s.HostId == host.HostId && s.Status == "active");
        Assert.Equal(first.Silo, still.Silo);
    }

    [Fact]
    public async Task Silo_RedisUnreachableAtStart_WarnsPerAttemptAndJoinsOnceRedisStarts()
    {
        await using var redis = new RedisServer();
        var clusterId = "late-redis-" + Guid.NewGuid().ToString("N")[..8];
        var database = await cluster.Postgres.CreateDatabaseAsync();
        var host = cluster.Hosts[0];
        var silo = cluster.StartProcess("Silo", "silo-redis-late", cluster.SiloSettings(host, new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = database,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        try
        {
            await cluster.UntilAsync(
                () => Task.FromResult(Warnings(silo).Count >= 3 || silo.HasExited),
                ExitDeadline,
                "three warnings of the silo that cannot reach Redis",
                () => silo.ReadStdout());
            Assert.False(silo.HasExited, $"the silo exited with {silo.ExitCode} while Redis was away:\n{silo.Tail()}");
            // One warning per attempt, numbered 1, 2, 3...
            var attempts = Warnings(silo);
            Assert.Equal(Enumerable.Range(1, attempts.Count), attempts);

            await redis.StartAsync();
            var api = await StartApiAsync(redis, database, clusterId);
            await cluster.UntilAsync(
                async () => (await ClusterFixture.GetHostsAsync(api)).Any(h => h.HostId == host.HostId && h.Status == HostStatus.Up),
                ExitDeadline,
                $"{host} up through the silo that waited for Redis");
            Assert.False(silo.HasExited);
            output.WriteLine($"the silo warned {Warnings(silo).Count} times before Redis started, then joined");
        }
        finally
        {
            await silo.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    private async Task<ApiInstance> StartApiAsync(RedisServer redis, string database, string clusterId)
    {
        var process = cluster.StartProcess("Api", "api-redis-late", new Dictionary<string, string>(ClusterFixture.ApiKeySettings())
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["ConnectionStrings__Monitor"] = database,
            ["Orleans__ClusterId"] = clusterId,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        });
        Uri? address = null;
        await cluster.UntilAsync(
            () =>
            {
                var match = ListeningOn().Match(process.ReadStdout());
                address = match.Success ? new Uri(match.Groups[1].Value) : null;
                return Task.FromResult(address is not null || process.HasExited);
            },
            ExitDeadline,
            "the Api to listen");
        Assert.False(process.HasExited);
        return new ApiInstance(process, address!);
    }

    /// <summary>Waits for the process to end, then checks exit code 2 and exactly one stderr line naming <paramref name="named"/>.</summary>
    private async Task<int> AssertRefusedAsync(MonitorProcess process, string named)
    {
        var exitCode = await process.WaitForExitAsync(ExitDeadline);
        var stderr = process.ReadStderr();
        output.WriteLine($"{process.Name}: exit code {exitCode}, stderr: {stderr.Trim()}");
        Assert.True(exitCode == 2, $"exit code {exitCode}\n{process.Tail()}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.ReadStdout(), StringComparison.Ordinal);
        return exitCode;
    }

    private static List<int> Warnings(MonitorProcess silo) =>
        [.. CannotJoin().Matches(silo.ReadStdout()).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"Cannot join the cluster yet \(attempt (\d+),")]
    private static partial Regex CannotJoin();

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
