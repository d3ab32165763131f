using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Api.Rest;

/// <summary><c>/api/containers</c>: current state, the rolling window and minute history.</summary>
public static class ContainersApi
{
    private const int MaxLiveSeconds = 600;
    private const int DefaultEventLimit = 1000;
    private const int MaxEventLimit = 10_000;

    private static readonly HashSet<string> States =
    [
        ContainerState.Created, ContainerState.Running, ContainerState.Paused, ContainerState.Restarting,
        ContainerState.Removing, ContainerState.Exited, ContainerState.Dead, ContainerState.Removed,
    ];

    public static IEndpointRouteBuilder MapContainersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/containers").WithTags("Containers");
        group.MapGet("/", ListAsync).WithName("ListContainers")
            .WithSummary("Containers across hosts with their latest sample; state=removed lists removed containers.");
        group.MapGet("/{id}", GetAsync).WithName("GetContainer")
            .WithSummary("One container by full id or a unique prefix of at least 12 characters.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/live", LiveAsync).WithName("GetContainerLive")
            .WithSummary("The last N seconds (1-600) of 1-second samples: N samples once the container has been sampled for N seconds.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AddOpenApiOperationTransformer(OpenApiParameters.Integer("seconds", 1, MaxLiveSeconds));
        group.MapGet("/{id}/history", HistoryAsync).WithName("GetContainerHistory")
            .WithSummary("Minute aggregates in [from, to), rolled up to the step.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/events", EventsAsync).WithName("GetContainerEvents")
            .WithSummary("The container's lifecycle events (create, start, die with its exit code, oom, destroy, ...) in [from, to), newest first.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AddOpenApiOperationTransformer(OpenApiParameters.Integer("limit", 1, MaxEventLimit));
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<ContainerLive>>, ValidationProblem>> ListAsync(
        string? host, string? state, string? name, HostDirectory directory, CancellationToken cancellationToken)
    {
        if (host is not null && !QueryParsing.IsHostId(host))
        {
            return Problems.BadParameter("host", "host must be a Docker daemon ID.");
        }

        if (state is not null && !States.Contains(state))
        {
            return Problems.BadParameter("state", $"state must be one of {string.Join(", ", States)}.");
        }

        if (name is { Length: > 256 })
        {
            return Problems.BadParameter("name", "name must be at most 256 characters.");
        }

        return TypedResults.Ok(await directory.ListContainersAsync(host, state, name, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<ContainerLive>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, HostDirectory directory, CancellationToken cancellationToken)
    {
        var (container, problem) = await ResolveAsync(id, directory, cancellationToken).ConfigureAwait(false);
        return container is not null ? TypedResults.Ok(container) : Fail<ContainerLive>(problem!);
    }

    private static async Task<Results<Ok<ContainerLiveWindow>, ValidationProblem, ProblemHttpResult>> LiveAsync(
        string id, string? seconds, HostDirectory directory, ILiveFeed feed, CancellationToken cancellationToken)
    {
        var span = 60;
        if (seconds is not null && (!int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out span) || span is < 1 or > MaxLiveSeconds))
        {
            return Problems.BadParameter("seconds", $"seconds must be an integer from 1 to {MaxLiveSeconds}.");
        }

        var (container, problem) = await ResolveAsync(id, directory, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            return Fail<ContainerLiveWindow>(problem!);
        }

        var points = await feed.GetWindowAsync(container.Container.Id, span, cancellationToken).ConfigureAwait(false) ?? [];
        return TypedResults.Ok(new ContainerLiveWindow(container.Container.Id, span, points));
    }

    private static async Task<Results<Ok<ContainerHistory>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        string id, string? from, string? to, string? step,
        HostDirectory directory, IMonitorStore store, TimeProvider clock, IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        if (!HistoryQuery.TryParse(from, to, step, clock, options, out var query, out var badQuery))
        {
            return badQuery!;
        }

        var (container, problem) = await ResolveAsync(id, directory, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            return Fail<ContainerHistory>(problem!);
        }

        var rows = await HistoryRows.LoadAsync(
            query, store, store.GetContainerHistoryAsync, static (r, id, range, ct) => r.GetContainerHoursAsync(id, range, ct), container.Container.Id, clock, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ContainerHistory(container.Container.Id, query.From, query.To, query.StepText, HistoryRollup.Container(rows, query.Step), query.Resolution));
    }

    private static async Task<Results<Ok<ContainerEventList>, ValidationProblem, ProblemHttpResult>> EventsAsync(
        string id, string? from, string? to, string? limit, HostDirectory directory, IMonitorStore store, CancellationToken cancellationToken)
    {
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

        var count = DefaultEventLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxEventLimit))
        {
            return Problems.BadParameter("limit", $"limit must be an integer from 1 to {MaxEventLimit}.");
        }

        var (container, problem) = await ResolveAsync(id, directory, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            return Fail<ContainerEventList>(problem!);
        }

        var range = new TimeRange(fromTime ?? DateTimeOffset.MinValue, toTime ?? DateTimeOffset.MaxValue);
        var events = await store.GetContainerEventsAsync(container.Container.Id, range, count, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ContainerEventList(container.Container.Id, fromTime, toTime, events));
    }

    private static async Task<(ContainerLive? Container, IResult? Problem)> ResolveAsync(
        string id, HostDirectory directory, CancellationToken cancellationToken)
    {
        if (!QueryParsing.IsContainerId(id))
        {
            return (null, Problems.BadParameter("id", $"id must be a container id: {QueryParsing.MinimumIdPrefix} to 64 lowercase hex characters."));
        }

        var found = await directory.FindContainerAsync(id, cancellationToken).ConfigureAwait(false);
        if (found.Ambiguous)
        {
            return (null, Problems.BadParameter("id", Problems.AmbiguousDetail(id)));
        }

        return found.Container is null ? (null, Problems.NotFound("container", id)) : (found.Container, null);
    }

    private static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Fail<T>(IResult problem) => problem switch
    {
        ValidationProblem validation => validation,
        ProblemHttpResult other => other,
        _ => throw new InvalidOperationException("Unexpected result type."),
    };
}
