using Microsoft.Extensions.Logging;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.Grains.Stats.Api;

/// <summary>
/// Keeps one <c>stream=true</c> stats connection open (started by the first read) and hands out the newest
/// frame not yet returned. The stream survives stop/start of the container; it ends only when the container is
/// removed (then a reopen gets 404: Gone) or the daemon goes away (then it reopens with backoff).
/// </summary>
internal sealed partial class DockerStreamStatsReader(
    DockerDaemon daemon, string containerId, TimeProvider timeProvider, ILogger logger, TimeSpan maxWait, TimeSpan stallTimeout)
    : IContainerStatsReader
{
    private const int ExistenceCheckEvery = 10;
    private static readonly TimeSpan RetryBase = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryCap = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _windowsEpoch = timeProvider.GetUtcNow().AddMinutes(-1);
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _pump;
    private StatsReadResult _latest;
    private long _latestVersion;
    private long _returnedVersion;
    private bool _gone;

    public async ValueTask<StatsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        Task published;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _pump ??= PumpAsync(_stop.Token);
            if (TryTake(out var ready))
            {
                return ready;
            }

            published = _published.Task;
        }

        try
        {
            await published.WaitAsync(maxWait, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The daemon's tick has not come yet.
        }

        lock (_gate)
        {
            return TryTake(out var result) ? result : StatsReadResult.WithStatus(ReadingStatus.NoData);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? pump;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            pump = _pump;
        }

        if (pump is not null)
        {
            await pump.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private bool TryTake(out StatsReadResult result)
    {
        if (_latestVersion != _returnedVersion)
        {
            _returnedVersion = _latestVersion;
            result = _latest;
            return true;
        }

        // Gone is final, so every later read says so too.
        result = _gone ? StatsReadResult.WithStatus(ReadingStatus.Gone) : default;
        return _gone;
    }

    private void Publish(in StatsReadResult result)
    {
        TaskCompletionSource published;
        lock (_gate)
        {
            _latest = result;
            _latestVersion++;
            _gone |= result.Status == ReadingStatus.Gone;
            published = _published;
            _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        published.TrySetResult();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // dockerd ticks every second; a stream that stays silent far longer is stuck (seen when it is opened
            // while the container is being removed), so it is dropped and reopened, which then tells Gone apart.
            using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
            try
            {
                var frames = 0;
                var idleFrames = 0;
                stall.CancelAfter(stallTimeout);
                await foreach (var frame in daemon.StreamStatsAsync(containerId, linked.Token).ConfigureAwait(false))
                {
                    stall.CancelAfter(stallTimeout);
                    frames++;
                    var result = DockerStatsMapper.Map(frame, _windowsEpoch);
                    idleFrames = result.Status == ReadingStatus.NotRunning ? idleFrames + 1 : 0;
                    if (idleFrames % ExistenceCheckEvery == 1 && !await ExistsAsync(linked.Token).ConfigureAwait(false))
                    {
                        throw new DockerNotFoundException($"No such container: {containerId}");
                    }

                    Publish(result);
                }

                // EOF: the container was removed or the daemon stopped; reopening tells which.
                LogStreamEnded(logger, containerId, frames);
                failures = frames > 0 ? 0 : failures + 1;
            }
            catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogStreamStalled(logger, containerId, stallTimeout);
            }
            catch (DockerNotFoundException)
            {
                LogGone(logger, containerId);
                Publish(StatsReadResult.WithStatus(ReadingStatus.Gone));
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (DockerException ex)
            {
                failures++;
                LogStreamFailed(logger, containerId, failures, ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The reader must outlive anything a stream can throw; a dead pump would answer NoData for ever.
                failures++;
                LogStreamFailedUnexpectedly(logger, containerId, failures, ex);
            }

            if (failures > 0 && !await DelayAsync(Backoff(failures), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>
    /// A stream opened while its container is being removed is never closed by dockerd and sends zero frames
    /// for ever; asking the daemon now and then while the container looks stopped finds that out.
    /// </summary>
    private async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await daemon.InspectContainerAsync(containerId, string.Empty, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerNotFoundException)
        {
            return false;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static TimeSpan Backoff(int failures)
    {
        var exponential = RetryBase * Math.Pow(2, Math.Min(failures - 1, 10));
        var capped = exponential < RetryCap ? exponential : RetryCap;
        // Jitter spreads the reconnects of many containers after a daemon restart.
        return capped * (0.5 + (Random.Shared.NextDouble() * 0.5));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stats stream of {ContainerId} ended after {Frames} frames")]
    private static partial void LogStreamEnded(ILogger logger, string containerId, int frames);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stats stream of {ContainerId} sent nothing for {StallTimeout}; reopening")]
    private static partial void LogStreamStalled(ILogger logger, string containerId, TimeSpan stallTimeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Container {ContainerId} is gone; its stats reader stops")]
    private static partial void LogGone(ILogger logger, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats stream of {ContainerId} failed unexpectedly ({Failures} in a row); reopening")]
    private static partial void LogStreamFailedUnexpectedly(ILogger logger, string containerId, int failures, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stats stream of {ContainerId} failed ({Failures} in a row); reopening")]
    private static partial void LogStreamFailed(ILogger logger, string containerId, int failures, Exception exception);
}
