using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Containers;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// <c>/api/rules</c>: rules over the live windows, stored and evaluated by the cluster (a grain per rule), with each
/// one's current status. A rule name is <see cref="RuleValidator.NameForm"/>.
/// </summary>
public static partial class RulesApi
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/rules").WithTags("Rules");
        group.MapGet("/", ListAsync).WithName("ListRules")
            .WithSummary("Every rule with its current status: state ok, pending, firing or unknown (with the reason), value, last evaluation.");
        group.MapGet("/{name}", GetAsync).WithName("GetRule")
            .WithSummary("One rule and its current status.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{name}", PutAsync).WithName("PutRule")
            .WithSummary("Creates (201) or replaces (200) a rule; evaluated from now on. A 400 names the field in error.")
            .Accepts<RuleDefinition>("application/json");
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteRule")
            .WithSummary("Deletes a rule (204); its firing alert resolves. 404 when no such rule.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<RuleView>>> ListAsync(
        IRuleStore store, ClusterConnection connection, TimeProvider clock, CancellationToken cancellationToken)
    {
        var rules = await store.GetRulesAsync(cancellationToken);
        var views = await Task.WhenAll(rules.Select(r => ViewAsync(r, connection, clock, cancellationToken)));
        return TypedResults.Ok<IReadOnlyList<RuleView>>(views);
    }

    private static async Task<Results<Ok<RuleView>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string name, IRuleStore store, ClusterConnection connection, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!RuleValidator.IsValidName(name))
        {
            return NameProblem();
        }

        var rule = await store.GetRuleAsync(name, cancellationToken);
        return rule is null ? NotFound(name) : TypedResults.Ok(await ViewAsync(rule, connection, clock, cancellationToken));
    }

    private static async Task<Results<Created<RuleView>, Ok<RuleView>, ValidationProblem>> PutAsync(
        string name, HttpRequest request, IRuleStore store, ClusterConnection connection, TimeProvider clock,
        IConfiguration configuration, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!RuleValidator.IsValidName(name))
        {
            return NameProblem();
        }

        RuleDefinition? rule;
        try
        {
            rule = await JsonSerializer.DeserializeAsync<RuleDefinition>(request.Body, RuleJson.Strict, cancellationToken);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex);
            return Problems.BadParameter(field, $"{field}: the JSON does not fit a rule here ({ex.Message.Split(" Path:", 2)[0]})");
        }

        var window = configuration.GetSection(SamplingOptions.Section).Get<SamplingOptions>()?.Window ?? new SamplingOptions().Window;
        if (RuleValidator.Validate(rule, window) is { } error)
        {
            return Problems.BadParameter(error.Field, $"{error.Field}: {error.Message}");
        }

        var now = clock.GetUtcNow();
        var created = await store.PutRuleAsync(name, rule!, now, cancellationToken);
        if (connection.Grains is { } grains)
        {
            try
            {
                // At once: the grain takes the new definition now, not at the keeper's next read.
                await grains.GetGrain<IRuleGrain>(name).SetAsync(rule!).WaitAsync(CallTimeout, clock, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogGrainUnreached(loggers.CreateLogger(typeof(RulesApi)), name, ex.Message);
            }
        }

        var view = await ViewAsync(new StoredRule(name, rule!, now), connection, clock, cancellationToken);
        return created ? TypedResults.Created($"/api/rules/{Uri.EscapeDataString(name)}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string name, IRuleStore store, ClusterConnection connection, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!RuleValidator.IsValidName(name))
        {
            return NameProblem();
        }

        if (!await store.DeleteRuleAsync(name, cancellationToken))
        {
            return NotFound(name);
        }

        if (connection.Grains is { } grains)
        {
            try
            {
                await grains.GetGrain<IRuleGrain>(name).DeleteAsync().WaitAsync(CallTimeout, clock, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Its activation finds no stored rule the next time it activates; until then it may still evaluate.
                LogGrainUnreached(loggers.CreateLogger(typeof(RulesApi)), name, ex.Message);
            }
        }

        return TypedResults.NoContent();
    }

    private static async Task<RuleView> ViewAsync(StoredRule rule, ClusterConnection connection, TimeProvider clock, CancellationToken cancellationToken)
    {
        RuleStatus status;
        if (connection.Grains is not { } grains)
        {
            status = RuleStatus.NotEvaluated with { Reason = "the Api is not connected to the cluster" };
        }
        else
        {
            try
            {
                status = await grains.GetGrain<IRuleGrain>(rule.Name).GetStatusAsync().WaitAsync(CallTimeout, clock, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Orleans puts the inner exception, stack and all, into a messaging failure's message: a status
                // reason keeps its first line.
                var message = ex.GetBaseException().Message;
                var firstLine = message.Split('\n', 2)[0].TrimEnd();
                status = RuleStatus.NotEvaluated with { Reason = "the rule's grain did not answer: " + firstLine };
            }
        }

        return new RuleView(rule.Name, rule.Definition, rule.UpdatedAt, status);
    }

    /// <summary>The rule field a JSON error is at: its path without <c>$.</c>, or the unknown property it names.</summary>
    private static string FieldOf(JsonException exception)
    {
        var path = exception.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        if (path is null && UnmappedProperty().Match(exception.Message) is { Success: true } match)
        {
            return match.Groups[1].Value;
        }

        return path ?? "rule";
    }

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedProperty();

    private static ValidationProblem NameProblem() =>
        Problems.BadParameter("name", "name: " + RuleValidator.NameForm + ".");

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown rule.", detail: $"No rule named '{name}' is stored.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} is stored but its grain was not reached: {Error}")]
    private static partial void LogGrainUnreached(ILogger logger, string rule, string error);
}

/// <summary>A rule as <c>GET /api/rules</c> lists it.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Rule">The definition as stored.</param>
/// <param name="UpdatedAt">When it was last created or replaced.</param>
/// <param name="Status">Its latest evaluation: <c>state</c> (ok, pending, firing, unknown), <c>value</c> (the metric's unit), <c>reason</c> when unknown, <c>evaluatedAt</c>, <c>since</c>, <c>containers</c>, <c>evaluationMilliseconds</c>.</param>
public sealed record RuleView(string Name, RuleDefinition Rule, DateTimeOffset UpdatedAt, RuleStatus Status);
