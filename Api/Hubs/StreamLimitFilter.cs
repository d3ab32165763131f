using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Api.Hubs;

/// <summary>
/// Caps the live streams one connection may hold: streaming invocations bypass
/// <c>MaximumParallelInvocationsPerClient</c>, so without this a client could open streams without bound.
/// </summary>
public sealed class StreamLimitFilter(IOptions<ApiOptions> options) : IHubFilter
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        if (!invocationContext.HubMethodName.StartsWith("Watch", StringComparison.Ordinal))
        {
            return await next(invocationContext).ConfigureAwait(false);
        }

        var id = invocationContext.Context.ConnectionId;
        var count = _open.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (count > options.Value.MaxStreamsPerConnection)
        {
            Release(id);
            throw new HubException($"At most {options.Value.MaxStreamsPerConnection} live streams per connection.");
        }

        var result = await next(invocationContext).ConfigureAwait(false);
        if (result is null)
        {
            Release(id);
            return null;
        }

        return Track(result, id);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        _open.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    private object Track(object stream, string connectionId) => stream switch
    {
        IAsyncEnumerable<Contracts.Live.HostFrame> frames => Counted(frames, connectionId),
        IAsyncEnumerable<Contracts.Live.ContainerFrame> frames => Counted(frames, connectionId),
        _ => stream,
    };

    private async IAsyncEnumerable<T> Counted<T>(IAsyncEnumerable<T> source, string connectionId)
    {
        try
        {
            await foreach (var item in source.ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            Release(connectionId);
        }
    }

    private void Release(string connectionId) => _open.AddOrUpdate(connectionId, 0, (_, n) => Math.Max(0, n - 1));
}
