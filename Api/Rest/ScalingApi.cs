using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/scaling</c>: the recorded scaling decisions of a Swarm service, newest first.</summary>
public static class ScalingApi
{
    internal const int DefaultLimit = 1000;
    internal const int MaxLimit = 10_000;
    private const int MaxNameLength = 256;

    public static IEndpointRouteBuilder MapScalingApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/scaling", ListAsync).WithTags("Scaling").WithName("ListScalingDecisions")
            .WithSummary("The Swarm service's scaling decisions in [from, to), newest first: applied (scaled), blocked by min, max or cooldown, disabled, or failed.")
            .AddOpenApiOperationTransformer(OpenApiParameters.Integer("limit", 1, MaxLimit));
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<ScalingDecisionItem>>, ValidationProblem>> ListAsync(
        string? service, string? from, string? to, string? limit, IScalingStore store, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(service) || service.Length > MaxNameLength || service.Contains('/', StringComparison.Ordinal) || service.Any(char.IsControl))
        {
            return Problems.BadParameter("service", $"service must be a Swarm service name without '/', at most {MaxNameLength} characters.");
        }

        if (!QueryParsing.TryParseTime(from, out var fromTime))
        {
            return Problems.BadParameter("from", "from must be an ISO-8601 date and time, e.g. 2026-11-21T12:00:00Z.");
        }

        if (!QueryParsing.TryParseTime(to, out var toTime))
        {
            return Problems.BadParameter("to", "to must be an ISO-8601 date and time, e.g. 2026-11-21T13:00:00Z.");
        }

        if (fromTime > toTime)
        {
            return Problems.BadParameter("from", "from must not be after to.");
        }

        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxLimit))
        {
            return Problems.BadParameter("limit", $"limit must be an integer from 1 to {MaxLimit}.");
        }

        var range = new TimeRange(fromTime ?? DateTimeOffset.MinValue, toTime ?? DateTimeOffset.MaxValue);
        var decisions = await store.GetScalingDecisionsAsync(service, range, count, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<ScalingDecisionItem>>([.. decisions.Select(ScalingDecisionItem.Of)]);
    }
}

/// <summary>One scaling decision as <c>GET /api/scaling</c> and a Swarm service's history list it.</summary>
/// <param name="Time">When the decision was taken.</param>
/// <param name="From">Replicas before.</param>
/// <param name="To">Replicas set; equal to <paramref name="From"/> unless <paramref name="Outcome"/> is <c>scaled</c>.</param>
/// <param name="Rule">The rule that asked.</param>
/// <param name="Value">The rule's value that held, in its metric's unit.</param>
/// <param name="Outcome"><c>scaled</c>, <c>blocked-min</c>, <c>blocked-max</c>, <c>blocked-cooldown</c>, <c>disabled</c> or <c>failed</c>.</param>
/// <param name="Detail">Why it was blocked or failed; null when scaled.</param>
public sealed record ScalingDecisionItem(DateTimeOffset Time, int From, int To, string Rule, double Value, string Outcome, string? Detail)
{
    public static ScalingDecisionItem Of(ScalingDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new(decision.At, decision.From, decision.To, decision.Rule, decision.Value, decision.Outcome, decision.Detail);
    }
}
