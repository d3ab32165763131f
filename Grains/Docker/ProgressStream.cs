using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// Turns one of Docker.DotNet's push-style streaming calls (items reported to an <see cref="IProgress{T}"/>, a task
/// that ends with the stream) into an async sequence, so a caller awaits each item and sees the stream's failure
/// where it reads.
/// </summary>
internal static class ProgressStream
{
    /// <summary>
    /// Starts <paramref name="stream"/> and yields what it reports, in order, until it ends. Its failure is thrown,
    /// after <paramref name="translate"/>, once the items reported before it have been read. Leaving the loop early
    /// cancels the call and waits for it to finish.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(
        Func<IProgress<T>, CancellationToken, Task> stream,
        Func<Exception, Exception> translate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Unbounded: the library reports from its read loop and cannot wait; our readers keep up (events come in
        // bursts at most, stats one frame a second), and dropping an event would lose a container's state change.
        var channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(stream, channel.Writer, translate, stop.Token);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    private static async Task PumpAsync<T>(
        Func<IProgress<T>, CancellationToken, Task> stream,
        ChannelWriter<T> writer,
        Func<Exception, Exception> translate,
        CancellationToken cancellationToken)
    {
        try
        {
            await stream(new ChannelProgress<T>(writer), cancellationToken).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The reader left or was cancelled; whatever the aborted read threw is of no interest to anyone.
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(translate(ex));
        }
    }

    private sealed class ChannelProgress<T>(ChannelWriter<T> writer) : IProgress<T>
    {
        public void Report(T value) => writer.TryWrite(value);
    }
}
