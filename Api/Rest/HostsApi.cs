using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/hosts</c>: hosts, their liveness and their history.</summary>
public static class HostsApi
{
    public static IEndpointRouteBuilder MapHostsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/hosts").WithTags("Hosts");
        group.MapGet("/", ListAsync).WithName("ListHosts").WithSummary("Every known host with status up, down or unreachable.");
        group.MapGet("/{hostId}", GetAsync).WithName("GetHost").WithSummary("One host by its Docker daemon ID.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{hostId}/history", HistoryAsync).WithName("GetHostHistory")
            .WithSummary("Per-step totals over the host's containers, from minute aggregates.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<HostSummary>>> ListAsync(HostDirectory directory, CancellationToken cancellationToken) =>
        TypedResults.Ok(await directory.ListHostsAsync(cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<HostSummary>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string hostId, HostDirectory directory, CancellationToken cancellationToken)
    {
        if (!QueryParsing.IsHostId(hostId))
        {
            return Problems.BadParameter("hostId", "hostId must be a Docker daemon ID (letters, digits, ':', '.', '_', '-').");
        }

        var host = await directory.GetHostAsync(hostId, cancellationToken).ConfigureAwait(false);
        return host is null ? Problems.NotFound("host", hostId) : TypedResults.Ok(host);
    }

    private static async Task<Results<Ok<HostHistory>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        string hostId, string? from, string? to, string? step,
        HostDirectory directory, IMonitorStore store, TimeProvider clock, IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        if (!QueryParsing.IsHostId(hostId))
        {
            return Problems.BadParameter("hostId", "hostId must be a Docker daemon ID (letters, digits, ':', '.', '_', '-').");
        }

        if (!HistoryQuery.TryParse(from, to, step, clock, options, out var query, out var problem))
        {
            return problem!;
        }

        if (await directory.GetHostAsync(hostId, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("host", hostId);
        }

        var rows = await HistoryRows.LoadAsync(
            query, store, store.GetHostHistoryAsync, static (r, id, range, ct) => r.GetHostHoursAsync(id, range, ct), hostId, clock, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new HostHistory(hostId, query.From, query.To, query.StepText, HistoryRollup.Host(rows, query.Step), query.Resolution));
    }
}
