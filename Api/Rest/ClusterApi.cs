using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Api.Live;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/cluster</c>: the silos of the cluster with their membership status.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cluster", GetAsync).WithTags("Cluster").WithName("GetCluster")
            .WithSummary("Mode (standalone or cluster) and every silo: status, generation, last heartbeat, version, endpoint.");
        return endpoints;
    }

    private static async Task<Ok<ClusterView>> GetAsync(IClusterDirectory cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cluster.GetAsync(cancellationToken).ConfigureAwait(false));
}

/// <summary>The cluster as the Api sees it.</summary>
public sealed record ClusterView(string Mode, long MembershipVersion, IReadOnlyList<SiloView> Silos);

/// <summary>One silo. <see cref="Alive"/> is decided on the database clock (lease not expired).</summary>
public sealed record SiloView(
    string SiloId,
    long Generation,
    string HostId,
    string Status,
    bool Alive,
    DateTimeOffset StartTime,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset LeaseExpires,
    string? Version,
    string? Endpoint,
    string? HostName);
