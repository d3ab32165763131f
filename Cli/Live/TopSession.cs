using Orleans.Monitor.Cli.Output;
using Spectre.Console;

namespace Orleans.Monitor.Cli.Live;

/// <summary>
/// Runs <c>top</c>: an interactive live table redrawn on every frame and key, or, when nobody can press keys
/// (output redirected, JSON or CSV asked for), one snapshot of every host printed once.
/// </summary>
public sealed class TopSession(IAnsiConsole console, Uri source, TimeProvider clock)
{
    /// <summary>How long a snapshot waits for the first frames when the Api has no host to send.</summary>
    public static readonly TimeSpan SnapshotDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Until <c>q</c> or cancellation (Ctrl+C).</summary>
    public async Task RunInteractiveAsync(TopModel model, IAsyncEnumerable<LiveUpdate> updates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(updates);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await console.Live(Draw(model))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Crop)
            .Cropping(VerticalOverflowCropping.Bottom)
            .StartAsync(async context =>
            {
                await using var frames = updates.GetAsyncEnumerator(stop.Token);
                var nextUpdate = frames.MoveNextAsync().AsTask();
                var nextKey = console.Input.ReadKeyAsync(intercept: true, stop.Token);
                try
                {
                    while (true)
                    {
                        var done = await Task.WhenAny(nextUpdate, nextKey).ConfigureAwait(false);
                        if (done == nextUpdate)
                        {
                            if (!await nextUpdate.ConfigureAwait(false))
                            {
                                return;
                            }

                            model.Apply(frames.Current);
                            nextUpdate = frames.MoveNextAsync().AsTask();
                        }
                        else if (await nextKey.ConfigureAwait(false) is { } key)
                        {
                            if (!model.HandleKey(key))
                            {
                                return;
                            }

                            nextKey = console.Input.ReadKeyAsync(intercept: true, stop.Token);
                        }
                        else
                        {
                            // Spectre answers null only once the token is cancelled (Ctrl+C).
                            stop.Token.ThrowIfCancellationRequested();
                            return;
                        }

                        context.UpdateTarget(Draw(model));
                        context.Refresh();
                    }
                }
                finally
                {
                    // Both pending reads end with the token; they are awaited here, never left running.
                    await stop.CancelAsync().ConfigureAwait(false);
                    await Quietly(nextUpdate).ConfigureAwait(false);
                    await Quietly(nextKey).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// Collects the snapshot frames the hub sends first (one per host), stopping at the first update after them, and
    /// returns the rows in the model's order.
    /// </summary>
    public static async Task<IReadOnlyList<ContainerRow>> SnapshotAsync(
        TopModel model, IAsyncEnumerable<LiveUpdate> updates, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(updates);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            await foreach (var update in updates.WithCancellation(timeout.Token).ConfigureAwait(false))
            {
                if (update.Frame is { Snapshot: false } && model.Hosts.Count > 0)
                {
                    break;
                }

                model.Apply(update);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The deadline: print what came (nothing when the Api knows no host).
        }

        return model.Rows();
    }

    private Spectre.Console.Rendering.IRenderable Draw(TopModel model) =>
        TopScreen.Render(model, source, console.Profile.Height, clock.GetLocalNow());

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled on purpose by the finally above.
        }
    }
}
