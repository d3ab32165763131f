using System.Globalization;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Hosts;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// The cluster mode end to end on real processes: three silos over Redis membership, two Apis, PostgreSQL storage.
/// The tests share one cluster (see <see cref="StepOrderer"/>) and are split by concern over the partial files.
/// Host 1's silo is never disturbed; host 2's is killed and terminated, host 3's frozen.
/// Measured times go to the test output, never into an assertion (bench/cluster-detection.sh measures them).
/// </summary>
[Collection(ClusterCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed partial class ClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>Generous: failure detection is measured at 4–20 s, a restart at a few seconds.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private ApiInstance Api1 => cluster.Apis[0];

    private ApiInstance Api2 => cluster.Apis[1];

    /// <summary>Runs a test body; when it fails, every process's last output goes into the test output.</summary>
    private async Task RunAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            output.WriteLine(cluster.Diagnostics(40));
            throw;
        }
    }

    /// <summary>Prints a measured figure to the test output and to measurements.txt next to the process logs.</summary>
    private void Report(string line)
    {
        output.WriteLine(line);
        Directory.CreateDirectory(cluster.LogDirectory);
        File.AppendAllText(
            Path.Combine(cluster.LogDirectory, "measurements.txt"),
            $"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}\n");
    }

    private Task WaitAllHostsUpAsync() =>
        Task.WhenAll(cluster.Apis.Select(api => cluster.WaitAllHostsUpAsync(api, Deadline)));

    /// <summary>Polls until <paramref name="host"/> shows <paramref name="status"/> on <paramref name="api"/>; returns that summary.</summary>
    private async Task<HostSummary> WaitHostStatusAsync(ApiInstance api, ClusterHost host, string status)
    {
        HostSummary? last = null;
        await cluster.UntilAsync(
            async () =>
            {
                last = Single(await ClusterFixture.GetHostsAsync(api), host);
                return last.Status == status;
            },
            Deadline,
            $"{host} to show {status} on {api.Process.Name}",
            () => ClusterFixture.Describe(last));
        return last!;
    }

    /// <summary>
    /// Each host delivered frames on the recorder that arrived in [from, to]: <c>up</c> frames with strictly increasing
    /// timestamps, no gap over 10 s between them, the newest from the last 10 s of the span; no other status unless
    /// <paramref name="unreachableAllowed"/> (a silo that hangs holds up, for a few seconds, the frames Orleans routes
    /// to an Api through its gateway, and the Api says so), and never <c>down</c>.
    /// </summary>
    private static void AssertFramesFlowed(FrameRecorder recorder, IEnumerable<ClusterHost> hosts, DateTimeOffset from, DateTimeOffset to, bool unreachableAllowed = false)
    {
        foreach (var host in hosts)
        {
            var frames = recorder.Of(host.HostId, from, to);
            var what = $"{host} on {recorder.Api} between {from:HH:mm:ss.f} and {to:HH:mm:ss.f}";
            Assert.All(frames, f => Assert.True(
                f.Frame.Status == HostStatus.Up || (unreachableAllowed && f.Frame.Status == HostStatus.Unreachable),
                $"{what}: a {f.Frame.Status} frame at {f.Frame.Timestamp:HH:mm:ss.f} ({f.Frame.Error})"));
            var up = frames.Where(f => f.Frame.Status == HostStatus.Up).ToList();
            Assert.True(up.Count >= Math.Max(1, (to - from).TotalSeconds / 10), $"{what}: only {up.Count} frames up of {frames.Count}");
            for (var i = 1; i < up.Count; i++)
            {
                Assert.True(
                    up[i].Frame.Timestamp > up[i - 1].Frame.Timestamp,
                    $"{what}: frame {i} (#{up[i].Frame.Sequence} of {up[i].Frame.Timestamp:HH:mm:ss.fff}) is not newer than #{up[i - 1].Frame.Sequence} of {up[i - 1].Frame.Timestamp:HH:mm:ss.fff}");
                Assert.True(
                    up[i].Frame.Timestamp - up[i - 1].Frame.Timestamp <= TimeSpan.FromSeconds(10),
                    $"{what}: no frame between {up[i - 1].Frame.Timestamp:HH:mm:ss.f} and {up[i].Frame.Timestamp:HH:mm:ss.f}");
            }

            Assert.True(up[^1].Frame.Timestamp >= to - TimeSpan.FromSeconds(10), $"{what}: the newest frame is from {up[^1].Frame.Timestamp:HH:mm:ss.f}");
        }
    }

    private static HostSummary Single(IReadOnlyList<HostSummary> hosts, ClusterHost host) =>
        hosts.SingleOrDefault(h => h.HostId == host.HostId) ?? throw new InvalidOperationException($"{host} is not listed: {ClusterFixture.Describe(hosts)}");

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
