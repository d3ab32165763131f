using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR.Client;
using Orleans.Monitor.Cli.Api;

namespace Orleans.Monitor.Cli.Live;

/// <summary>
/// The hub's <c>WatchAll</c> stream (<c>/hubs/live</c>, docs/live-api.md): every host's frame once per second. When the
/// connection drops, the feed says so and reconnects with backoff; the hub answers a new call with a fresh snapshot.
/// </summary>
public sealed class LiveHubFeed(Uri baseUrl, string? token)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    public Uri HubUrl { get; } = new(baseUrl, "hubs/live");

    /// <exception cref="CliException">The first connection fails (<see cref="ExitCodes.Unreachable"/>).</exception>
    public async IAsyncEnumerable<LiveUpdate> WatchAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var everConnected = false;
        var retry = FirstRetry;
        while (true)
        {
            var connection = Build();
            try
            {
                var failure = await StartAsync(connection, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    if (!everConnected)
                    {
                        throw Unreachable(failure);
                    }

                    yield return LiveUpdate.Lost($"cannot reach {HubUrl}: {Innermost(failure)}; retrying in {retry.TotalSeconds:0} s");
                }
                else
                {
                    everConnected = true;
                    var enumerator = connection.StreamAsync<HostFrame>("WatchAll", cancellationToken).GetAsyncEnumerator(cancellationToken);
                    try
                    {
                        while (true)
                        {
                            Exception? lost = null;
                            bool more;
                            try
                            {
                                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                            }
                            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                            {
                                lost = ex;
                                more = false;
                            }

                            if (!more)
                            {
                                yield return LiveUpdate.Lost($"the live stream ended ({(lost is null ? "closed by the Api" : Innermost(lost))}); reconnecting");
                                break;
                            }

                            retry = FirstRetry;
                            yield return LiveUpdate.Of(enumerator.Current);
                        }
                    }
                    finally
                    {
                        await enumerator.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            await Task.Delay(Jitter(retry), cancellationToken).ConfigureAwait(false);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
        }
    }

    private HubConnection Build() => new HubConnectionBuilder()
        .WithUrl(HubUrl, options =>
        {
            if (!string.IsNullOrEmpty(token))
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            }
        })
        .Build();

    /// <summary>Null once connected; the failure otherwise (the caller's cancellation still throws).</summary>
    private static async Task<Exception?> StartAsync(HubConnection connection, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await connection.StartAsync(timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex is OperationCanceledException ? new TimeoutException($"no answer within {ConnectTimeout.TotalSeconds:0} s", ex) : ex;
        }
    }

    /// <summary>No answer at all is unreachable; an answer with an error status (401 without a token, 404 from an older Api) is the Api's error.</summary>
    private CliException Unreachable(Exception ex) => ex is System.Net.Http.HttpRequestException { StatusCode: { } status }
        ? new(ExitCodes.ApiError, $"the Api's live hub at {HubUrl} answered {(int)status} {status}{(status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden ? "; pass a valid --token" : "")}.", ex)
        : new(ExitCodes.Unreachable, $"cannot reach the Api's live hub at {HubUrl}: {Innermost(ex)}.", ex);

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex.Message.TrimEnd('.');
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
}
