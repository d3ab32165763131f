using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// <c>/api/services</c>: Compose and Swarm services across hosts, their current aggregate and members, and their
/// history. A Compose service is named <c>project/service</c>; the slash may travel literally
/// (<c>/api/services/compose/shop/web</c>) or encoded (<c>/api/services/compose/shop%2Fweb</c>).
/// </summary>
public static class ServicesApi
{
    private const int MaxNameLength = 256;
    private const string History = "history";

    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/services").WithTags("Services");
        group.MapGet("/", ListAsync).WithName("ListServices")
            .WithSummary("Compose and Swarm services across hosts with their current aggregate; kind=compose or kind=swarm lists one kind.");
        group.MapGet("/{kind}/{name}", GetAsync).WithName("GetService")
            .WithSummary("One service's current aggregate and its members on every host. kind is compose or swarm; a Compose name is project/service (the slash literal or as %2F).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.Map(
                RoutePatternFactory.Parse("/{kind}/{name}/history", defaults: null, parameterPolicies: new { name = new HistoryOwnerConstraint() }),
                HistoryAsync)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithName("GetServiceHistory")
            .WithSummary("Per-step totals over the minute aggregates of every container that belongs or belonged to the service, in [from, to).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // The literal-slash forms of a Compose name (shop/web, shop/web/history, a service named history) are more
        // segments than the documented routes hold: one catch-all reads them by the rule both kinds follow.
        group.MapGet("/{kind}/{first}/{**rest:minlength(1)}", PathAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<ServiceSummary>>, ValidationProblem>> ListAsync(
        string? kind, ServiceDirectory directory, CancellationToken cancellationToken)
    {
        if (kind is not null && !IsKind(kind))
        {
            return KindProblem();
        }

        return TypedResults.Ok(await directory.ListAsync(kind, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<ServiceDetail>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string kind, string name, ServiceDirectory directory, CancellationToken cancellationToken)
    {
        if (!IsKind(kind))
        {
            return KindProblem();
        }

        if (!TryParseName(kind, name, out var service, out var problem))
        {
            return problem!;
        }

        var detail = await directory.GetAsync(kind, service, cancellationToken).ConfigureAwait(false);
        return detail is null ? Problems.NotFound($"{kind} service", service) : TypedResults.Ok(detail);
    }

    private static async Task<Results<Ok<ServiceHistory>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        string kind, string name, string? from, string? to, string? step,
        ServiceDirectory directory, IMonitorStore store, TimeProvider clock, IOptions<ApiOptions> options,
        [FromServices] IScalingStore? scalingStore, CancellationToken cancellationToken)
    {
        if (!IsKind(kind))
        {
            return KindProblem();
        }

        if (!TryParseName(kind, name, out var service, out var badName))
        {
            return badName!;
        }

        if (!HistoryQuery.TryParse(from, to, step, clock, options, out var query, out var badQuery))
        {
            return badQuery!;
        }

        var ids = await directory.ContainerIdsAsync(kind, service, cancellationToken).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return Problems.NotFound($"{kind} service", service);
        }

        var rows = await HistoryRows.LoadAsync(
            query, store, store.GetContainersHistoryAsync, static (r, id, range, ct) => r.GetContainersHoursAsync(id, range, ct), ids, clock, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ScalingDecisionItem>? scaling = null;
        if (kind == ServiceKind.Swarm && scalingStore is not null)
        {
            var decisions = await scalingStore.GetScalingDecisionsAsync(service, query.Range, ScalingApi.DefaultLimit, cancellationToken).ConfigureAwait(false);
            scaling = [.. decisions.Select(ScalingDecisionItem.Of)];
        }

        return TypedResults.Ok(new ServiceHistory(kind, service, query.From, query.To, query.StepText, ids, HistoryRollup.Host(rows, query.Step), scaling, query.Resolution));
    }

    /// <summary>
    /// A path of several segments: a Compose name has exactly one slash and a Swarm name none, so a trailing
    /// <c>history</c> after a whole name asks for the history, and anything else is a name (valid or not).
    /// </summary>
    private static async Task<IResult> PathAsync(
        string kind, string first, string rest, string? from, string? to, string? step,
        ServiceDirectory directory, IMonitorStore store, TimeProvider clock, IOptions<ApiOptions> options,
        [FromServices] IScalingStore? scalingStore, CancellationToken cancellationToken)
    {
        if (!IsKind(kind))
        {
            return KindProblem();
        }

        var decoded = Decode($"{first}/{rest}");
        var owner = decoded.EndsWith("/" + History, StringComparison.Ordinal) ? decoded[..^(History.Length + 1)] : null;
        if (owner is not null && owner.Count(c => c == '/') == (kind == ServiceKind.Compose ? 1 : 0))
        {
            return (await HistoryAsync(kind, owner, from, to, step, directory, store, clock, options, scalingStore, cancellationToken).ConfigureAwait(false)).Result;
        }

        return (await GetAsync(kind, decoded, directory, cancellationToken).ConfigureAwait(false)).Result;
    }

    private static bool IsKind(string kind) => kind is ServiceKind.Compose or ServiceKind.Swarm;

    private static ValidationProblem KindProblem() =>
        Problems.BadParameter("kind", $"kind must be {ServiceKind.Compose} or {ServiceKind.Swarm}.");

    /// <summary>Route values keep an encoded slash as <c>%2F</c> (the server decodes everything else).</summary>
    private static string Decode(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static bool TryParseName(string kind, string raw, out string name, out ValidationProblem? problem)
    {
        name = Decode(raw);
        problem = null;
        var parts = name.Split('/');
        var valid = name.Length <= MaxNameLength
            && !name.Any(char.IsControl)
            && parts.All(p => p.Length > 0 && p.Trim().Length == p.Length)
            && parts.Length == (kind == ServiceKind.Compose ? 2 : 1);
        if (!valid)
        {
            problem = Problems.BadParameter("name", kind == ServiceKind.Compose
                ? $"name must be a Compose project and service as project/service (the slash literal or as %2F), at most {MaxNameLength} characters."
                : $"name must be a Swarm service name without '/', at most {MaxNameLength} characters.");
        }

        return valid;
    }

    /// <summary>
    /// Leaves <c>/compose/{project}/history</c> to the catch-all, where it is the Compose service named history: a
    /// Compose name without its slash cannot own a history.
    /// </summary>
    private sealed class HistoryOwnerConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var name)
            && !(Equals(values["kind"], ServiceKind.Compose) && !Decode(Convert.ToString(name, System.Globalization.CultureInfo.InvariantCulture) ?? "").Contains('/', StringComparison.Ordinal));
    }
}
