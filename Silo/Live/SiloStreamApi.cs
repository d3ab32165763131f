using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Silo.Live;

/// <summary>
/// What a silo serves to Api instances: its host frames as Server-Sent Events (snapshot first, then one per second)
/// and container windows on request.
/// </summary>
public static class SiloStreamApi
{
    public const string StreamPath = "/silo/v1/stream";

    public static IEndpointRouteBuilder MapSiloStreamApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/silo/v1").WithTags("Silo");
        group.MapGet("/stream", (SiloLiveFeed feed, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(Frames(feed, cancellationToken)));
        group.MapGet("/containers/{id}/window", WindowAsync);
        group.MapGet("/healthz", () => TypedResults.Ok("ok"));
        return endpoints;
    }

    private static async IAsyncEnumerable<SseItem<HostFrame>> Frames(SiloLiveFeed feed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var frame in feed.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new SseItem<HostFrame>(frame, "frame") { EventId = frame.Sequence.ToString(CultureInfo.InvariantCulture) };
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<SamplePoint>>, NotFound, BadRequest>> WindowAsync(
        string id, int? seconds, SiloLiveFeed feed, CancellationToken cancellationToken)
    {
        if (seconds is < 1 or > 3600)
        {
            return TypedResults.BadRequest();
        }

        var window = await feed.GetWindowAsync(id, seconds ?? 600, cancellationToken).ConfigureAwait(false);
        return window is null ? TypedResults.NotFound() : TypedResults.Ok(window);
    }
}
