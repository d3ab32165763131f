using System.Diagnostics;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Placement;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Grains.Placement;

/// <summary>
/// Placement by Docker host on two silos watching different daemons: a host's grains live on its silo only,
/// before and after that silo dies, and a host nobody watches fails with the typed error.
/// </summary>
public sealed class DockerHostPlacementTests(TwoHostCluster cluster, ITestOutputHelper output) : IClassFixture<TwoHostCluster>
{
    private const int ContainersPerHost = 20;
    private static readonly TimeSpan DeathDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GetGrain_HostAndContainerGrainsOfTwoHosts_ActivateOnlyOnTheirHostsSilo()
    {
        var keys = await ActivateHostsAsync(cluster);

        var activations = await cluster.ActivationsAsync();
        foreach (var hostId in new[] { cluster.HostA, cluster.HostB })
        {
            var silo = cluster.Silo(hostId).SiloAddress;
            foreach (var key in keys[hostId])
            {
                var where = activations.Where(a => a.GrainId.Key.ToString() == key).Select(a => a.SiloAddress).ToList();
                Assert.True(where.Count == 1 && where[0].Equals(silo), $"{key} is active on [{string.Join(", ", where)}], not only on {silo}");
            }
        }
    }

    [Fact]
    public async Task GetGrain_UnknownHost_ThrowsHostUnavailableWithItsHostId()
    {
        const string unknown = "ZZZZ:NOBO:DYWA:TCHE:STHI:SDAE:MONZ:ZZZZ:ZZZZ:ZZZZ:ZZZZ:ZZZZ";
        var watch = Stopwatch.StartNew();
        var hostError = await Assert.ThrowsAsync<HostUnavailableException>(() => cluster.Host(unknown).GetFrameAsync());
        var hostElapsed = watch.Elapsed;
        watch.Restart();
        var containerError = await Assert.ThrowsAsync<HostUnavailableException>(
            () => cluster.Container(unknown, TestContainers.NewId()).GetWindowAsync(1));
        var containerElapsed = watch.Elapsed;

        output.WriteLine($"unknown host: host grain call failed after {hostElapsed.TotalMilliseconds:0.0} ms, container grain call after {containerElapsed.TotalMilliseconds:0.0} ms");
        Assert.Equal(unknown, hostError.HostId);
        Assert.Equal(unknown, containerError.HostId);
        var activations = await cluster.ActivationsAsync();
        Assert.DoesNotContain(activations, a => GrainKeys.HostIdOf(a.GrainId.Key.ToString()!) == unknown);
    }

    [Fact]
    public async Task KillSiloAsync_HostBsSilo_CallsForBThrowHostUnavailableAndBNeverActivatesOnA()
    {
        // Killing a silo would break the class's shared cluster: this test has one of its own.
        var own = new TwoHostCluster();
        await own.InitializeAsync();
        try
        {
            var keys = await ActivateHostsAsync(own);
            var siloA = own.Silo(own.HostA).SiloAddress;

            var watch = Stopwatch.StartNew();
            await own.Cluster.KillSiloAsync(own.Silo(own.HostB));
            var (error, transient) = await WaitForHostUnavailableAsync(own, own.HostB);
            output.WriteLine($"silo of host B killed: HostUnavailableException after {watch.Elapsed.TotalMilliseconds:0} ms; {transient.Count} calls failed otherwise first ({string.Join(", ", transient.Distinct())})");
            Assert.Equal(own.HostB, error.HostId);

            foreach (var key in keys[own.HostB].Skip(1))
            {
                var containerError = await Assert.ThrowsAsync<HostUnavailableException>(
                    () => own.Client.GetGrain<IContainerGrain>(key).GetWindowAsync(1));
                Assert.Equal(own.HostB, containerError.HostId);
            }

            // Host A is untouched: its grains answer, from the same silo, and nothing of B came over.
            await own.Host(own.HostA).GetFrameAsync();
            var activations = await own.ActivationsAsync();
            Assert.DoesNotContain(activations, a => GrainKeys.HostIdOf(a.GrainId.Key.ToString()!) == own.HostB);
            foreach (var key in keys[own.HostA])
            {
                Assert.Contains(activations, a => a.GrainId.Key.ToString() == key && a.SiloAddress.Equals(siloA));
            }
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    /// <summary>Calls one host grain and <see cref="ContainersPerHost"/> container grains of each host; returns their keys by host, host grain first.</summary>
    private static async Task<Dictionary<string, List<string>>> ActivateHostsAsync(TwoHostCluster target)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var hostId in new[] { target.HostA, target.HostB })
        {
            await target.Host(hostId).GetFrameAsync();
            keys[hostId] = [hostId];
            for (var i = 0; i < ContainersPerHost; i++)
            {
                var containerId = TestContainers.NewId();
                await target.Container(hostId, containerId).GetWindowAsync(1);
                keys[hostId].Add(GrainKeys.Container(hostId, containerId));
            }
        }

        return keys;
    }

    /// <summary>
    /// Calls the dead host's grain until placement refuses it. Until membership declares the silo dead, a call
    /// still goes to its old activation and fails as undeliverable: that is "not yet". Any other failure, or an
    /// answer (the grain came to life somewhere), fails the test at once.
    /// </summary>
    private static async Task<(HostUnavailableException Error, List<string> Transient)> WaitForHostUnavailableAsync(TwoHostCluster target, string hostId)
    {
        var transient = new List<string>();
        using var deadline = new CancellationTokenSource(DeathDeadline);
        while (true)
        {
            try
            {
                var frame = await target.Host(hostId).GetFrameAsync();
                Assert.Fail($"The grain of dead host {hostId} answered (frame #{frame.Sequence}): it was activated on a live silo.");
            }
            catch (HostUnavailableException error)
            {
                return (error, transient);
            }
            catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
            {
                transient.Add(ex.GetType().Name);
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"Calls for host {hostId} did not fail with HostUnavailableException within {DeathDeadline}; the last error: {ex.Message}", ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
