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
    /// Each host delivered frames on the recorder that arrived in [from, to]: all <c>up</c>, timestamps strictly
    /// increasing, no gap over 10 s and the newest from the last 10 s of the span. (A silo that dies can take a few
    /// seconds of frames of other hosts with it: Orleans routes them to this Api through a gateway that may be its.)
    /// </summary>
    private static void AssertFramesFlowed(FrameRecorder recorder, IEnumerable<ClusterHost> hosts, DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var host in hosts)
        {
            var frames = recorder.Of(host.HostId, from, to);
            var what = $"{host} on {recorder.Api} between {from:HH:mm:ss.f} and {to:HH:mm:ss.f}";
            Assert.True(frames.Count >= Math.Max(1, (to - from).TotalSeconds / 10), $"{what}: only {frames.Count} frames");
            Assert.All(frames, f => Assert.True(f.Frame.Status == HostStatus.Up, $"{what}: a {f.Frame.Status} frame at {f.Frame.Timestamp:HH:mm:ss.f} ({f.Frame.Error})"));
            for (var i = 1; i < frames.Count; i++)
            {
                Assert.True(frames[i].Frame.Timestamp > frames[i - 1].Frame.Timestamp, $"{what}: frame {i} is not newer than the one before");
                Assert.True(
                    frames[i].Frame.Timestamp - frames[i - 1].Frame.Timestamp <= TimeSpan.FromSeconds(10),
                    $"{what}: no frame between {frames[i - 1].Frame.Timestamp:HH:mm:ss.f} and {frames[i].Frame.Timestamp:HH:mm:ss.f}");
            }

            Assert.True(frames[^1].Frame.Timestamp >= to - TimeSpan.FromSeconds(10), $"{what}: the newest frame is from {frames[^1].Frame.Timestamp:HH:mm:ss.f}");
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
