using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Live;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.Grains.Containers;

/// <summary>
/// Samples one container on a grain timer, derives <c>docker stats</c> numbers, keeps the rolling window and closes
/// minutes. All state is touched only inside the grain's turns.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ContainerGrain(
    IStatsSource source,
    LiveBoard board,
    IMonitorSink sink,
    TimeProvider clock,
    IOptions<SamplingOptions> options,
    ILogger<ContainerGrain> logger) : Grain, IContainerGrain
{
    private readonly SampleRing _window = new(options.Value.WindowSlots);
    private MinuteAccumulator? _minutes;
    private ContainerAssignment? _assignment;
    private IContainerStatsReader? _reader;
    private CounterReading? _previous;
    private ContainerSample? _latest;
    private IGrainTimer? _timer;
    private int _failures;

    // Reports to the host grain that are still in flight. Grains are not reentrant: awaiting the host inside a turn
    // deadlocks both grains when the host is calling this one at that moment (a "die" event refreshing us while we
    // report the vanished cgroup), and that froze the whole host. They are observed on later ticks and on deactivation.
    private readonly List<Task> _hostReports = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = RegisterGrainTimer(
            static (grain, ct) => grain.SampleAsync(ct),
            this,
            new GrainTimerCreationOptions { DueTime = options.Value.Interval, Period = options.Value.Interval });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        try
        {
            await Task.WhenAll(_hostReports).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHostReportFailed(ex, GrainKey);
        }

        await CloseReaderAsync().ConfigureAwait(false);
        if (_minutes?.Flush() is { } last)
        {
            sink.MinuteClosed(last);
        }
    }

    public async Task ApplyAsync(ContainerAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var info = assignment.Info;
        _minutes ??= new MinuteAccumulator(info.Id, info.HostId);
        var previousTarget = _assignment?.Target;
        _assignment = assignment;
        if (previousTarget != assignment.Target)
        {
            await CloseReaderAsync().ConfigureAwait(false);
            _previous = null;
            _latest = null;
            if (previousTarget is not null)
            {
                // A new cgroup (restart) starts every counter from zero.
                _minutes.ResetBaseline();
            }
        }

        // Also reopens after a supervised restart, which re-applies the same target.
        if (_reader is null && assignment.Target is { } target)
        {
            _reader = source.CreateReader(target);
            LogSamplingStarted(info.Id, info.Name, source.Name);
        }

        sink.ContainerChanged(info);
        board.Set(info.HostId, new ContainerLive(info, _latest));
    }

    public async Task RemoveAsync(ContainerInfo removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        await CloseReaderAsync().ConfigureAwait(false);
        if (_minutes?.Flush() is { } last)
        {
            sink.MinuteClosed(last);
        }

        sink.ContainerChanged(removed);
        board.Remove(removed.HostId, removed.Id);
        _assignment = null;
        DeactivateOnIdle();
    }

    public Task<IReadOnlyList<SamplePoint>> GetWindowAsync(int seconds)
    {
        var since = (_window.Latest?.Timestamp ?? clock.GetUtcNow()) - TimeSpan.FromSeconds(seconds - 1);
        return Task.FromResult<IReadOnlyList<SamplePoint>>(_window.Since(since));
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        ObserveHostReports();
        if (_minutes?.CloseIfElapsed(clock.GetUtcNow()) is { } elapsed)
        {
            sink.MinuteClosed(elapsed);
        }

        if (_reader is null || _assignment is null)
        {
            return;
        }

        StatsReadResult result;
        try
        {
            result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _failures = 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await OnReadFailedAsync(ex).ConfigureAwait(false);
            return;
        }

        switch (result.Status)
        {
            case ReadingStatus.Ok:
                Fold(result.Reading);
                break;
            case ReadingStatus.NotRunning:
                _previous = null;
                _latest = null;
                break;
            case ReadingStatus.Gone:
                // Stopped or removed between list and read: the host grain learns the truth from Docker.
                LogContainerVanished(_assignment.Info.Id);
                await CloseReaderAsync().ConfigureAwait(false);
                _previous = null;
                _latest = null;
                _hostReports.Add(GrainFactory.GetGrain<IHostGrain>(_assignment.Info.HostId).ContainerVanishedAsync(_assignment.Info.Id));
                break;
            case ReadingStatus.NoData:
            default:
                break;
        }

        board.Set(_assignment.Info.HostId, new ContainerLive(_assignment.Info, _latest));
    }

    private void Fold(in CounterReading current)
    {
        if (_previous is { } previous)
        {
            var sample = SampleCalculator.Compute(previous, current, _assignment!.HostMemoryTotalBytes);
            if (sample is null)
            {
                _minutes!.ResetBaseline();
            }
            else
            {
                _latest = sample;
                _window.Add(sample.ToPoint());
                if (_minutes!.Add(sample) is { } closed)
                {
                    sink.MinuteClosed(closed);
                }
            }
        }

        _previous = current;
    }

    private async Task OnReadFailedAsync(Exception exception)
    {
        _failures++;
        LogSampleFailed(exception, _assignment!.Info.Id, _failures);
        if (_failures >= options.Value.FailuresBeforeRestart)
        {
            _failures = 0;
            await CloseReaderAsync().ConfigureAwait(false);
            _hostReports.Add(GrainFactory.GetGrain<IHostGrain>(_assignment.Info.HostId)
                .ContainerFaultedAsync(_assignment.Info.Id, exception.Message));
        }
    }

    /// <summary>Drops finished host reports, logging any that failed.</summary>
    private void ObserveHostReports()
    {
        foreach (var report in _hostReports.Where(r => r.IsCompleted).ToList())
        {
            _hostReports.Remove(report);
            if (report.Exception is { } failure)
            {
                LogHostReportFailed(failure.GetBaseException(), _assignment?.Info.Id ?? "");
            }
        }
    }

    private async Task CloseReaderAsync()
    {
        if (_reader is not null)
        {
            var reader = _reader;
            _reader = null;
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling container {ContainerId} ({Name}) from {Source}")]
    private partial void LogSamplingStarted(string containerId, string name, string source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Container {ContainerId} vanished between list and read")]
    private partial void LogContainerVanished(string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting container {ContainerId} to its host grain failed")]
    private partial void LogHostReportFailed(Exception exception, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling container {ContainerId} failed ({Failures} in a row)")]
    private partial void LogSampleFailed(Exception exception, string containerId, int failures);
}
