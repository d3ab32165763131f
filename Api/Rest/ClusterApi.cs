using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Api.Live;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/cluster</c>: the silos of the cluster with their membership status.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cluster", Get).WithTags("Cluster").WithName("GetCluster")
            .WithSummary("Mode (standalone or cluster), whether this Api reaches it, and every silo: status, generation, last heartbeat, endpoint.");
        return endpoints;
    }

    private static Ok<ClusterView> Get(ClusterDirectory cluster) => TypedResults.Ok(cluster.Get());
}

/// <summary>The cluster as the Api sees it.</summary>
/// <param name="Connected">Whether this Api reaches the cluster (false while Redis, or standalone the Docker daemon, is not there yet).</param>
/// <param name="Error">Why it does not, while not connected.</param>
public sealed record ClusterView(string Mode, bool Connected, string? Error, IReadOnlyList<SiloView> Silos);

/// <summary>One silo as Orleans membership records it; a restarted silo is a new row with a higher generation.</summary>
/// <param name="Silo">The Orleans silo address (<c>S{ip}:{port}:{generation}</c>).</param>
/// <param name="HostId">The daemon ID the silo declares (null for a silo that watches none).</param>
/// <param name="Status">Orleans' silo status, lower case: <c>joining</c>, <c>active</c>, <c>shuttingdown</c>, <c>stopping</c>, <c>dead</c>.</param>
/// <param name="LastHeartbeat">The silo's last "I am alive" write to the membership table.</param>
public sealed record SiloView(
    string Silo,
    int Generation,
    string? HostId,
    string Status,
    bool Alive,
    DateTimeOffset StartTime,
    DateTimeOffset LastHeartbeat,
    string Endpoint,
    string? HostName);
