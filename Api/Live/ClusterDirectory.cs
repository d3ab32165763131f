using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.Api.Live;

/// <summary>Lists the silos behind this Api.</summary>
public interface IClusterDirectory
{
    Task<ClusterView> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Cluster mode: the membership table, read fresh so the answer never lags a notification.</summary>
internal sealed class MembershipClusterDirectory(MembershipTable table) : IClusterDirectory
{
    public async Task<ClusterView> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = await table.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ClusterView(
            "cluster",
            snapshot.Version,
            [.. snapshot.Silos
                .OrderBy(s => s.DockerHostId, StringComparer.Ordinal)
                .ThenByDescending(s => s.Generation)
                .Select(s => new SiloView(
                    s.SiloId,
                    s.Generation,
                    s.DockerHostId,
                    s.Status.ToString().ToLowerInvariant(),
                    s.IsAlive,
                    s.StartTime,
                    s.LastHeartbeat,
                    s.LeaseExpires,
                    s.Version,
                    s.Endpoint,
                    s.HostName))]);
    }
}

/// <summary>Standalone: the silo co-hosted in this process is the whole cluster.</summary>
internal sealed class LocalClusterDirectory(ILiveFeed feed, TimeProvider clock) : IClusterDirectory
{
    private readonly DateTimeOffset _started = clock.GetUtcNow();

    public Task<ClusterView> GetAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var version = typeof(LocalClusterDirectory).Assembly.GetName().Version?.ToString();
        IReadOnlyList<SiloView> silos = [.. feed.Latest.Select(f => new SiloView(
            Environment.MachineName, 1, f.HostId, "active", true, _started, now, now, version, null, Environment.MachineName))];
        return Task.FromResult(new ClusterView("standalone", 1, silos));
    }
}
