using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>
/// <c>Orleans:Tls:*</c> with a throwaway CA: silos and a client holding certificates of that CA form a cluster over TLS
/// (Orleans' own TLS, configured by <see cref="OrleansTls"/> as the silo and Api processes configure it); a silo or a
/// client with another CA's certificate, or none, is refused.
/// </summary>
[Trait(Lane.Name, Lane.Alongside)]
public sealed class OrleansTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string Password = "pfx-password-7Qz";

    /// <summary>How long a refused client is left retrying before the test takes the refusal as final.</summary>
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(30);
    private readonly TestCertificates _ca = new("orleans-monitor-test-ca");
    private readonly TestCertificates _otherCa = new("another-ca");
    private readonly List<IHost> _hosts = [];
    private readonly List<IPEndPoint> _gateways = [];
    private readonly string _clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task UseTls_SilosAndClientOfTheCa_FormClusterOverTls_OthersRefused()
    {
        var (pemCertificate, pemKey) = _ca.IssuePem("silo-a");
        var primaryPort = MonitorProcess.FreePort();
        var primary = new IPEndPoint(IPAddress.Loopback, primaryPort);
        await StartSiloAsync(primaryPort, primary, new() { [OrleansTls.CertificatePathKey] = pemCertificate, [OrleansTls.KeyPathKey] = pemKey, [OrleansTls.CaPathKey] = _ca.CaPath });
        await StartSiloAsync(MonitorProcess.FreePort(), primary, Pfx(_ca, "silo-b"));

        var clientPem = _ca.IssuePem("api");
        var client = await StartClientAsync(new() { [OrleansTls.CertificatePathKey] = clientPem.Certificate, [OrleansTls.KeyPathKey] = clientPem.Key, [OrleansTls.CaPathKey] = _ca.CaPath });
        var management = client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        await Poll.UntilAsync(
            async () => (await management.GetHosts(onlyActive: true)).Count == 2,
            TimeSpan.FromSeconds(120),
            "both silos active, seen through the TLS client");
        output.WriteLine("two silos (PEM and PFX certificates) and a client of one CA: a cluster of 2 over TLS");

        // A silo of another CA: the cluster's silos refuse its certificate, so it never joins.
        var intruder = Pfx(_otherCa, "intruder");
        intruder[OrleansTls.CaPathKey] = _ca.CaPath;
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(MonitorProcess.FreePort(), primary, intruder, joinTimeout: TimeSpan.FromSeconds(20)));
        output.WriteLine($"silo of another CA: {refused.GetType().Name}: {refused.Message.Split('\n')[0]}");
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);

        // Clients of another CA, or without TLS, cannot connect to a gateway.
        var rogue = _otherCa.IssuePem("rogue-api");
        var rogueClient = await Assert.ThrowsAnyAsync<Exception>(() => StartClientAsync(
            new() { [OrleansTls.CertificatePathKey] = rogue.Certificate, [OrleansTls.KeyPathKey] = rogue.Key, [OrleansTls.CaPathKey] = _ca.CaPath }, Refusal));
        output.WriteLine($"client of another CA: {rogueClient.GetType().Name}: {rogueClient.Message.Split('\n')[0]}");
        var plainClient = await Assert.ThrowsAnyAsync<Exception>(() => StartClientAsync([], Refusal));
        output.WriteLine($"client without TLS: {plainClient.GetType().Name}: {plainClient.Message.Split('\n')[0]}");
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);
    }

    [Fact]
    public void Read_MissingFileWrongPasswordOrNoCa_ThrowsNamingTheSettingNeverThePassword()
    {
        var pfx = _ca.IssuePfx("silo", Password);
        var cases = new (Dictionary<string, string?> Settings, string Setting)[]
        {
            (new() { [OrleansTls.CertificatePathKey] = "/nonexistent/silo.pem", [OrleansTls.CaPathKey] = _ca.CaPath }, OrleansTls.CertificatePathKey),
            (new() { [OrleansTls.CertificatePathKey] = pfx, [OrleansTls.PasswordKey] = "wrong-" + Password, [OrleansTls.CaPathKey] = _ca.CaPath }, OrleansTls.CertificatePathKey),
            (new() { [OrleansTls.CertificatePathKey] = pfx, [OrleansTls.PasswordKey] = Password }, OrleansTls.CaPathKey),
            (new() { [OrleansTls.CertificatePathKey] = pfx, [OrleansTls.PasswordKey] = Password, [OrleansTls.CaPathKey] = pfx + ".missing" }, OrleansTls.CaPathKey),
            (new() { [OrleansTls.CertificatePathKey] = _ca.CaPath, [OrleansTls.CaPathKey] = _ca.CaPath }, OrleansTls.CertificatePathKey),
            (new() { [OrleansTls.CaPathKey] = _ca.CaPath }, OrleansTls.CertificatePathKey),
        };
        foreach (var (settings, setting) in cases)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var error = Assert.Throws<InvalidSettingException>(() => OrleansTls.Read(configuration));
            output.WriteLine(error.Message);
            Assert.StartsWith(setting, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }

        using var valid = OrleansTls.Read(new ConfigurationBuilder().AddInMemoryCollection(Pfx(_ca, "ok")).Build());
        Assert.NotNull(valid);
        Assert.True(valid.Certificate.HasPrivateKey);
        Assert.Null(OrleansTls.Read(new ConfigurationBuilder().Build()));
    }

    public void Dispose()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try
            {
                host.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is OperationCanceledException or OrleansException or TimeoutException or InvalidOperationException)
            {
                // A refused peer may not stop cleanly; its sockets close with the host.
            }

            host.Dispose();
        }

        _ca.Dispose();
        _otherCa.Dispose();
    }

    private static Dictionary<string, string?> Pfx(TestCertificates ca, string name) => new()
    {
        [OrleansTls.CertificatePathKey] = ca.IssuePfx(name, Password),
        [OrleansTls.PasswordKey] = Password,
        [OrleansTls.CaPathKey] = ca.CaPath,
    };

    private async Task StartSiloAsync(int siloPort, IPEndPoint primary, Dictionary<string, string?> settings, TimeSpan? joinTimeout = null)
    {
        var tls = OrleansTls.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())!;
        var gatewayPort = MonitorProcess.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(tls);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, _clusterId, _clusterId);
            silo.Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = joinTimeout ?? TimeSpan.FromMinutes(2));
            silo.UseTls(tls.Certificate, tls.Configure);
        });
        var host = builder.Build();
        _hosts.Add(host);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await host.StartAsync(deadline.Token);
        _gateways.Add(new IPEndPoint(IPAddress.Loopback, gatewayPort));
    }

    /// <summary>Starts a client; one that cannot connect keeps retrying until <paramref name="deadline"/> (default 120 s) cancels it.</summary>
    private async Task<IHost> StartClientAsync(Dictionary<string, string?> settings, TimeSpan? deadline = null)
    {
        var tls = OrleansTls.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. _gateways]);
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_clusterId, _clusterId));
            if (tls is not null)
            {
                client.Services.AddSingleton(tls);
                client.UseTls(tls.Certificate, tls.Configure);
            }
        });
        var host = builder.Build();
        _hosts.Add(host);
        using var cancel = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(120));
        await host.StartAsync(cancel.Token);
        return host;
    }
}
