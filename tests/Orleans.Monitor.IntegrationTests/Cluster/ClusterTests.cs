using System.Diagnostics;
using System.Globalization;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// The cluster mode end to end on real processes: three silos, two Apis, PostgreSQL membership and storage. The
/// tests share one cluster (see <see cref="StepOrderer"/>) and are split by concern over the partial files.
/// </summary>
[Collection(ClusterCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed partial class ClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private ApiInstance Api1 => cluster.Apis[0];

    private ApiInstance Api2 => cluster.Apis[1];

    /// <summary>Prints a measured figure to the test output and to measurements.txt next to the process logs.</summary>
    private void Report(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(
            Path.Combine(cluster.LogDirectory, "measurements.txt"),
            $"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}\n");
    }

    /// <summary>Polls, with every process's last output in the failure message.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Poll.UntilAsync(condition, timeout, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{cluster.Diagnostics()}", ex);
        }
    }

    private async Task WaitAllHostsUpAsync(ApiInstance api)
    {
        await UntilAsync(
            async () =>
            {
                var hosts = await ClusterFixture.GetHostsAsync(api);
                return cluster.Hosts.All(h => hosts.Count(s => s.HostId == h.HostId) == 1 && hosts.Single(s => s.HostId == h.HostId).Status == "up");
            },
            Deadline,
            $"{api.Process.Name} to show every host up");
    }

    private static HostSummary Host(IReadOnlyList<HostSummary> hosts, ClusterHost host) => hosts.Single(h => h.HostId == host.HostId);

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static string Ms(double milliseconds) => milliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static Stopwatch Watch() => Stopwatch.StartNew();
}
