using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Grains.Placement;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Windows;

namespace Orleans.Monitor.Grains.Containers;

/// <summary>
/// Samples one container each time its host grain asks, derives the <c>docker stats</c> numbers with
/// <see cref="SampleCalculator"/>, keeps the rolling window (<see cref="SampleRing"/>) and closes minutes
/// (<see cref="MinuteAccumulator"/>) into the store's writer.
/// </summary>
[DockerHostPlacement]
public sealed partial class ContainerGrain(
    IStatsSource source,
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
    private ContainerCounters? _counters;
    private bool _runEnded;
    private int _failures;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await CloseReaderAsync();
        if (_minutes?.Flush() is { } last)
        {
            sink.MinuteClosed(last);
        }
    }

    public async Task<ContainerLive> SampleAsync(ContainerAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        await ApplyAsync(assignment);
        if (_minutes!.CloseIfElapsed(clock.GetUtcNow()) is { } elapsed)
        {
            sink.MinuteClosed(elapsed);
        }

        if (_reader is not null)
        {
            await ReadAsync(assignment.HostMemoryTotalBytes);
        }

        return new ContainerLive(assignment.Info, _latest, Counters: _counters);
    }

    public Task<ImmutableArray<SamplePoint>> GetWindowAsync(int seconds)
    {
        return Task.FromResult(ImmutableArray.Create(_window.Last(TimeSpan.FromSeconds(seconds), options.Value.Interval)));
    }

    public async Task RemoveAsync(ContainerInfo removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        await CloseReaderAsync();
        if (_minutes?.Flush() is { } last)
        {
            sink.MinuteClosed(last);
        }

        sink.ContainerChanged(removed);
        _assignment = null;
        DeactivateOnIdle();
    }

    private async Task ApplyAsync(ContainerAssignment assignment)
    {
        var info = assignment.Info;
        _minutes ??= new MinuteAccumulator(info.Id, info.HostId);
        var previous = _assignment;
        if (ReferenceEquals(previous, assignment))
        {
            return;
        }

        _assignment = assignment;
        if (previous?.Target != assignment.Target)
        {
            await CloseReaderAsync();
            _previous = null;
            _latest = null;
            _counters = null;
            _runEnded = false;
            if (assignment.Target is { } started)
            {
                // A new cgroup starts every counter from zero; whether that zero is the baseline depends on whether
                // the monitor saw the start (else the run was under way and its past is not this minute's).
                _minutes.StartRun(assignment.StartObserved, started.NetworkNamespace);
            }
        }

        // A run that ended under this target is over: the reader is opened again only for the next target, so a
        // later run is never read (and counted) before the monitor knows its start.
        if (_reader is null && !_runEnded && assignment.Target is { } target)
        {
            _reader = source.CreateReader(target);
            LogSamplingStarted(info.Id, info.Name, source.Name);
        }

        if (previous?.Info != info)
        {
            sink.ContainerChanged(info);
        }
    }

    private async Task ReadAsync(long hostMemoryTotalBytes)
    {
        StatsReadResult result;
        try
        {
            result = await _reader!.ReadAsync(CancellationToken.None);
            _failures = 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await OnReadFailedAsync(ex);
            return;
        }

        switch (result.Status)
        {
            case ReadingStatus.Ok:
                Fold(result.Reading, hostMemoryTotalBytes);
                break;
            case ReadingStatus.NotRunning:
                await CloseReaderAsync();
                _runEnded = true;
                _previous = null;
                _latest = null;
                _counters = null;
                break;
            case ReadingStatus.Gone:
                // Stopped or removed between inspect and read: Docker's events bring the truth to the host grain.
                LogContainerVanished(_assignment!.Info.Id);
                await CloseReaderAsync();
                _previous = null;
                _latest = null;
                _counters = null;
                break;
            case ReadingStatus.NoData:
            default:
                break;
        }
    }

    private void Fold(in CounterReading current, long hostMemoryTotalBytes)
    {
        _counters = current.ToCounters();
        if (_previous is { } previous)
        {
            var sample = SampleCalculator.Compute(previous, current, hostMemoryTotalBytes);
            if (sample is null)
            {
                _minutes!.ResetBaseline();
            }
            else
            {
                _latest = sample;
                _window.Add(sample.ToPoint());
                if (_minutes!.Add(sample, current) is { } closed)
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
            // A fresh activation opens a fresh reader on the host grain's next call.
            LogDeactivatingAfterFailures(_assignment.Info.Id, _failures);
            await CloseReaderAsync();
            DeactivateOnIdle();
        }
    }

    private async Task CloseReaderAsync()
    {
        if (_reader is not null)
        {
            var reader = _reader;
            _reader = null;
            await reader.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling container {ContainerId} ({Name}) from {Source}")]
    private partial void LogSamplingStarted(string containerId, string name, string source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Container {ContainerId} vanished between inspect and read")]
    private partial void LogContainerVanished(string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling container {ContainerId} failed ({Failures} in a row)")]
    private partial void LogSampleFailed(Exception exception, string containerId, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container grain {ContainerId} deactivates after {Failures} failed reads; the next interval starts it afresh")]
    private partial void LogDeactivatingAfterFailures(string containerId, int failures);
}
