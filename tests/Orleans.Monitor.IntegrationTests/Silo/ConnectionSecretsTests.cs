using System.Globalization;
using Orleans.Monitor.IntegrationTests.Auth;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>
/// Passwords in <c>ConnectionStrings:Redis</c> and <c>ConnectionStrings:Monitor</c> (and the Api's keys) never reach a log:
/// a silo and an Api in cluster mode whose Redis and PostgreSQL refuse them log their start and their retries, and
/// neither password appears in any line.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ConnectionSecretsTests(DockerEngine engine, ITestOutputHelper output) : IDisposable
{
    private const string RedisPassword = "redis-secret-Xq81";
    private const string PostgresPassword = "pg-secret-Lm27";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "omsecrets-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Start_UnreachableRedisAndPostgresWithPasswords_NoPasswordInAnyLogLine()
    {
        // Nothing listens on these ports: both processes log connection failures and keep retrying.
        var redisPort = MonitorProcess.FreePort();
        var postgresPort = MonitorProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{redisPort},password={RedisPassword},ssl=false,connectTimeout=1000",
            ["ConnectionStrings__Monitor"] =
                $"Host=127.0.0.1;Port={postgresPort};Database=monitor;Username=monitor;Password={PostgresPassword};Timeout=2;SSL Mode=Disable",
            ["Orleans__ClusterId"] = "secrets-" + Guid.NewGuid().ToString("N")[..8],
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Logging__LogLevel__Default"] = "Information",
        };
        var silo = MonitorProcess.Start("Silo", "Orleans.Monitor.Silo", "silo-secrets", Path.Combine(_root, "logs"), new Dictionary<string, string>(settings)
        {
            ["DOCKER_HOST"] = engine.DockerHost,
            ["Orleans__Endpoints__SiloPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = MonitorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
        });
        await using var siloProcess = silo;
        var apiSettings = new Dictionary<string, string>(settings);
        foreach (var (key, value) in SecuredApi.KeySettings())
        {
            apiSettings[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        await using var api = MonitorProcess.Start("Api", "Orleans.Monitor.Api", "api-secrets", Path.Combine(_root, "logs"), apiSettings);

        // Two retries of each: the failures with their reasons are in the log.
        await Poll.UntilAsync(
            () =>
            {
                Assert.False(silo.HasExited, silo.Tail());
                Assert.False(api.HasExited, api.Tail());
                return Warnings(silo) >= 2 && Warnings(api) >= 2;
            },
            TimeSpan.FromSeconds(180),
            "the silo and the Api to log two connection failures each",
            () => silo.Tail(5) + "\n" + api.Tail(5));

        foreach (var process in new[] { silo, api })
        {
            var log = process.ReadStdout() + process.ReadStderr();
            output.WriteLine($"{process.Name}: {log.Split('\n').Length} lines, {Warnings(process)} warnings:");
            foreach (var line in process.ReadStdout().Split('\n').Where(l => l.Contains("warn:", StringComparison.Ordinal)))
            {
                output.WriteLine("  " + line);
            }

            Assert.DoesNotContain(RedisPassword, log, StringComparison.Ordinal);
            Assert.DoesNotContain(PostgresPassword, log, StringComparison.Ordinal);
            Assert.DoesNotContain(SecuredApi.ViewerKey, log, StringComparison.Ordinal);
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

    private static int Warnings(MonitorProcess process) =>
        process.ReadStdout().Split('\n').Count(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal));
}
