using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Placement;

namespace Orleans.Monitor.Api.Live;

/// <summary>The silos behind this Api, from Orleans membership (the Redis table in a cluster, the one local silo standalone).</summary>
internal sealed class ClusterDirectory(HostSubscriptions subscriptions, ClusterConnection connection, bool cluster)
{
    public ClusterView Get()
    {
        var silos = subscriptions.Membership
            .OrderBy(e => HostSiloName.HostIdOf(e.SiloName) ?? e.SiloName, StringComparer.Ordinal)
            .ThenByDescending(e => e.SiloAddress.Generation)
            .Select(e => new SiloView(
                e.SiloAddress.ToString(),
                e.SiloAddress.Generation,
                HostSiloName.HostIdOf(e.SiloName),
                e.Status.ToString().ToLowerInvariant(),
                e.Status == SiloStatus.Active,
                new DateTimeOffset(DateTime.SpecifyKind(e.StartTime, DateTimeKind.Utc)),
                new DateTimeOffset(DateTime.SpecifyKind(e.IAmAliveTime, DateTimeKind.Utc)),
                e.SiloAddress.Endpoint.ToString(),
                e.HostName))
            .ToList();
        return new ClusterView(cluster ? "cluster" : "standalone", connection.Grains is not null, connection.Error, silos);
    }
}
