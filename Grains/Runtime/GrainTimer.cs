namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// A grain timer: a loop that waits, posts a tick turn, and waits for that turn to end before it waits again,
/// which is what makes the period count from the end of a tick.
/// </summary>
internal sealed class GrainTimer<TState> : IActivationTimer
{
    private readonly GrainActivation _activation;
    private readonly Func<TState, CancellationToken, Task> _callback;
    private readonly TState _state;
    private readonly GrainTimerCreationOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource _reschedule = new();
    private TimeSpan _nextDue;
    private TimeSpan _period;
    private bool _changedDuringTick;
    private Task _loop = Task.CompletedTask;

    public GrainTimer(GrainActivation activation, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        GrainTimerCreationOptions.Validate(options.DueTime, options.Period);
        _activation = activation;
        _callback = callback;
        _state = state;
        _options = options;
        _nextDue = options.DueTime;
        _period = options.Period;
    }

    /// <summary>The timer loop; it ends soon after <see cref="Dispose"/>.</summary>
    public Task Completion => _loop;

    public void Start() => _loop = Task.Run(RunAsync);

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        GrainTimerCreationOptions.Validate(dueTime, period);
        CancellationTokenSource previous;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _nextDue = dueTime;
            _period = period;
            _changedDuringTick = true;
            previous = _reschedule;
            _reschedule = new CancellationTokenSource();
        }

        // Wakes the loop if it is waiting on the old schedule.
        previous.Cancel();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
        }
    }

    public async Task TickAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await _callback(_state, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A failing tick is logged; the timer keeps its schedule, as in Orleans.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _activation.Logger.LogTimerTickFailed(ex, _activation.GrainTypeName, _activation.Key);
        }

        if (_options.KeepAlive)
        {
            _activation.RecordActivity();
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TimeSpan delay;
                CancellationToken reschedule;
                lock (_gate)
                {
                    delay = _nextDue;
                    reschedule = _reschedule.Token;
                    _changedDuringTick = false;
                }

                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, reschedule))
                {
                    try
                    {
                        await Task.Delay(delay, _activation.TimeProvider, wait.Token);
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        continue;
                    }
                }

                if (_options.Interleave)
                {
                    await TickAsync();
                }
                else if (!await _activation.RunTickTurnAsync(this, _stop.Token))
                {
                    return;
                }

                lock (_gate)
                {
                    if (!_changedDuringTick)
                    {
                        _nextDue = _period;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
