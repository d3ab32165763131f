using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/alerts</c>: the alerts rules opened (firing) and resolved, and how the notification receivers fare.</summary>
public static class AlertsApi
{
    private const int Limit = 1000;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/alerts").WithTags("Alerts");
        group.MapGet("/", ListAsync).WithName("ListAlerts")
            .WithSummary("Alerts newest first (at most 1000), with rule, labels (selector, hosts, containers), value, startsAt, endsAt; state=firing|resolved, from/to (ISO 8601) bound startsAt as [from, to).");
        group.MapGet("/receivers", ReceiversAsync).WithName("ListAlertReceivers")
            .WithSummary("Each notification receiver (Alertmanager, webhooks) per sending silo: ok, last success, last error, failed attempts since.");
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<Alert>>, ValidationProblem>> ListAsync(
        string? state, string? from, string? to, IRuleStore store, CancellationToken cancellationToken)
    {
        if (state is not (null or AlertStates.Firing or AlertStates.Resolved))
        {
            return Problems.BadParameter("state", "state must be firing or resolved.");
        }

        if (!QueryParsing.TryParseTime(from, out var start))
        {
            return Problems.BadParameter("from", "from must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z.");
        }

        if (!QueryParsing.TryParseTime(to, out var end))
        {
            return Problems.BadParameter("to", "to must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z.");
        }

        if (start is { } s && end is { } e && e <= s)
        {
            return Problems.BadParameter("to", "to must be after from.");
        }

        return TypedResults.Ok(await store.GetAlertsAsync(new AlertQuery(state, start, end, Limit), cancellationToken));
    }

    private static async Task<Results<Ok<ImmutableArray<ReceiverStatus>>, ProblemHttpResult>> ReceiversAsync(
        ClusterConnection connection, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (connection.Grains is not { } grains)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not connected.", detail: "The Api is not connected to the cluster yet.");
        }

        return TypedResults.Ok(await grains.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.Key).GetReceiversAsync().WaitAsync(CallTimeout, clock, cancellationToken));
    }
}
