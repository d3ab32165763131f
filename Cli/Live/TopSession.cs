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

    /// <summary>The shortest time between two redraws caused by frames (keys redraw at once).</summary>
    public static readonly TimeSpan MinRedraw = TimeSpan.FromMilliseconds(250);

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
                var lastDraw = clock.GetTimestamp();
                Task? pendingDraw = null;
                try
                {
                    while (true)
                    {
                        var done = await Task.WhenAny(pendingDraw is null ? [nextUpdate, nextKey] : [nextUpdate, nextKey, pendingDraw]).ConfigureAwait(false);
                        var drawNow = false;
                        if (done == nextUpdate)
                        {
                            if (!await nextUpdate.ConfigureAwait(false))
                            {
                                return;
                            }

                            model.Apply(frames.Current);
                            nextUpdate = frames.MoveNextAsync().AsTask();

                            // Every host sends a frame a second: with many hosts, draw at most every MinRedraw.
                            var wait = MinRedraw - clock.GetElapsedTime(lastDraw);
                            if (wait <= TimeSpan.Zero)
                            {
                                drawNow = true;
                            }
                            else
                            {
                                pendingDraw ??= Task.Delay(wait, clock, stop.Token);
                            }
                        }
                        else if (done == pendingDraw)
                        {
                            await pendingDraw.ConfigureAwait(false);
                            drawNow = true;
                        }
                        else if (await nextKey.ConfigureAwait(false) is { } key)
                        {
                            if (!model.HandleKey(key))
                            {
                                return;
                            }

                            nextKey = console.Input.ReadKeyAsync(intercept: true, stop.Token);
                            drawNow = true;
                        }
                        else
                        {
                            // Spectre answers null only once the token is cancelled (Ctrl+C).
                            stop.Token.ThrowIfCancellationRequested();
                            return;
                        }

                        if (drawNow)
                        {
                            context.UpdateTarget(Draw(model));
                            lastDraw = clock.GetTimestamp();
                            if (pendingDraw is { IsCompleted: true } || done == pendingDraw)
                            {
                                pendingDraw = null;
                            }
                        }
                    }
                }
                finally
                {
                    // The pending reads and the redraw delay end with the token; they are awaited here, never left running.
                    await stop.CancelAsync().ConfigureAwait(false);
                    await Quietly(nextUpdate).ConfigureAwait(false);
                    await Quietly(nextKey).ConfigureAwait(false);
                    if (pendingDraw is not null)
                    {
                        await Quietly(pendingDraw).ConfigureAwait(false);
                    }
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
