using System.Collections.Concurrent;
using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.IntegrationTests.Grains;

/// <summary>
/// A frame observer as an Api instance holds one: records every frame pushed to it. Keep a reference to it while
/// subscribed, since Orleans holds observers weakly.
/// </summary>
public sealed class FrameRecorder : IHostFrameObserver
{
    private readonly ConcurrentQueue<HostFrame> _frames = new();
    private TaskCompletionSource _arrived = NewSignal();

    public IReadOnlyList<HostFrame> Frames => [.. _frames];

    public Task OnFrame(HostFrame frame)
    {
        _frames.Enqueue(frame);
        Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits for the first frame, among those received so far and those to come, that <paramref name="match"/>
    /// accepts (match on <see cref="HostFrame.Sequence"/> to skip older frames). <paramref name="match"/> may throw
    /// (an assertion) on a frame that must never come: that fails the wait at once.
    /// </summary>
    public async Task<HostFrame> WaitForAsync(Func<HostFrame, bool> match, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            // Taken before reading the frames, so a frame arriving in between still wakes this wait.
            var arrived = Volatile.Read(ref _arrived).Task;
            var frames = Frames;
            for (; seen < frames.Count; seen++)
            {
                if (match(frames[seen]))
                {
                    return frames[seen];
                }
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                var last = frames.Count == 0 ? "none" : Describe(frames[^1]);
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; {frames.Count} frames, the last: {last}");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Describe(HostFrame frame) =>
        $"#{frame.Sequence} {frame.Status} {frame.Error} [{string.Join(", ", frame.Containers.Select(c => $"{c.Container.Name} {c.Container.State} cpu={c.Sample?.CpuPercent:0.0}"))}]";
}
