using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// One activation: a bounded mailbox and the single loop that runs its turns. Turn 0 creates the grain and runs
/// <see cref="Grain.OnActivateAsync"/>; the last turn runs <see cref="Grain.OnDeactivateAsync"/>.
/// </summary>
internal sealed class GrainActivation
{
    private readonly GrainRuntime _runtime;
    private readonly GrainTypeInfo _grainType;
    private readonly Channel<WorkItem> _mailbox;
    private readonly Lock _gate = new();
    private readonly List<IActivationTimer> _timers = [];
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ActivationState _state = ActivationState.Creating;
    private DeactivationReason _deactivationReason;
    private volatile ExceptionDispatchInfo? _activationFailure;
    private bool _deactivateAfterTurn;
    private bool _turnRunning;
    private long _lastActivityTicks;
    private long _keepAliveUntilTicks;
    private Task _loop = Task.CompletedTask;

    public GrainActivation(GrainRuntime runtime, GrainId id)
    {
        _runtime = runtime;
        _grainType = id.GrainType;
        Id = id;
        _mailbox = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(runtime.Options.MailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        RecordActivity();
    }

    public GrainId Id { get; }

    public string Key => Id.Key;

    public string GrainTypeName => _grainType.Name;

    public GrainRuntime Runtime => _runtime;

    public TimeProvider TimeProvider => _runtime.TimeProvider;

    public ILogger Logger => _runtime.Logger;

    /// <summary>Completes once the activation left the table; it never faults.</summary>
    public Task Completion => _completed.Task;

    /// <summary>The activation's loop, owned here so it is never fire-and-forget.</summary>
    public Task Loop => _loop;

    public ActivationState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public int MailboxDepth => _mailbox.Reader.Count;

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void Start() => _loop = Task.Run(RunAsync);

    public GrainActivationInfo Describe()
    {
        lock (_gate)
        {
            return new(GrainTypeName, Key, _state, MailboxDepth, _turnRunning, LastActivity);
        }
    }

    /// <summary>Posts a work item; <see langword="false"/> when the activation no longer takes work.</summary>
    /// <exception cref="GrainOverloadedException">The mailbox stayed full for the call timeout.</exception>
    public async ValueTask<bool> EnqueueAsync(WorkItem item, CancellationToken cancellationToken)
    {
        RecordActivity();
        if (_mailbox.Writer.TryWrite(item))
        {
            return true;
        }

        _activationFailure?.Throw();

        using var timeout = new CancellationTokenSource(_runtime.Options.CallTimeout, TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _mailbox.Writer.WriteAsync(item, linked.Token);
            return true;
        }
        catch (ChannelClosedException)
        {
            // A call that raced a failing OnActivateAsync fails with it, as the calls already queued do.
            _activationFailure?.Throw();
            return false;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _runtime.Metrics.RecordOverloaded(GrainTypeName);
            Logger.LogMailboxOverloaded(GrainTypeName, Key, _runtime.Options.MailboxCapacity, _runtime.Options.CallTimeout);
            throw new GrainOverloadedException(
                $"Grain {GrainTypeName}/{Key} kept its mailbox of {_runtime.Options.MailboxCapacity} full for {_runtime.Options.CallTimeout}.");
        }
    }

    /// <summary>Posts a tick as a turn and waits until it ran; <see langword="false"/> once the activation is going.</summary>
    public async Task<bool> RunTickTurnAsync(IActivationTimer timer, CancellationToken cancellationToken)
    {
        var tick = new TickWorkItem(timer);
        try
        {
            await _mailbox.Writer.WriteAsync(tick, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return false;
        }

        await tick.Completion;
        return true;
    }

    public IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer<TState>(this, callback, state, options);
        lock (_gate)
        {
            if (_state is not (ActivationState.Activating or ActivationState.Valid))
            {
                throw new InvalidOperationException($"Grain {GrainTypeName}/{Key} is {_state}; timers can only be registered while it is active.");
            }

            // Disposed timers stay listed until their loop ends, so deactivation awaits every loop it started.
            _timers.RemoveAll(static t => t.Completion.IsCompleted);
            _timers.Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RecordActivity() => Interlocked.Exchange(ref _lastActivityTicks, TimeProvider.GetUtcNow().UtcTicks);

    public void DelayDeactivation(TimeSpan timeSpan)
    {
        var until = TimeProvider.GetUtcNow() + timeSpan;
        Interlocked.Exchange(ref _keepAliveUntilTicks, until.UtcTicks);
    }

    public void RequestDeactivationAfterTurn()
    {
        lock (_gate)
        {
            _deactivateAfterTurn = true;
        }
    }

    /// <summary>True when the activation is valid, has nothing running or queued, and was idle past its age.</summary>
    public bool IsCollectable(DateTimeOffset now, TimeSpan defaultAge)
    {
        var age = _grainType.CollectionAge ?? defaultAge;
        if (age == Timeout.InfiniteTimeSpan)
        {
            return false;
        }

        lock (_gate)
        {
            if (_state != ActivationState.Valid || _turnRunning || _mailbox.Reader.Count > 0)
            {
                return false;
            }
        }

        return now.UtcTicks >= Interlocked.Read(ref _keepAliveUntilTicks)
            && now - LastActivity >= age;
    }

    /// <summary>
    /// Stops taking work and cancels timers; the loop finishes the running turn, bounces what is queued to the
    /// callers (who forward it) and runs <see cref="Grain.OnDeactivateAsync"/> last.
    /// </summary>
    public bool BeginDeactivation(DeactivationReason reason)
    {
        IActivationTimer[] timers;
        lock (_gate)
        {
            if (_state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                return false;
            }

            _state = ActivationState.Deactivating;
            _deactivationReason = reason;
            timers = [.. _timers];
        }

        _mailbox.Writer.TryComplete();
        foreach (var timer in timers)
        {
            timer.Dispose();
        }

        return true;
    }

    private async Task RunAsync()
    {
        try
        {
            await using var scope = _runtime.Services.CreateAsyncScope();
            var grain = await ActivateAsync(scope.ServiceProvider);
            if (grain is null)
            {
                return;
            }

            var reader = _mailbox.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var item))
                {
                    if (!TryStartTurn())
                    {
                        item.Bounce();
                        continue;
                    }

                    await item.RunAsync(grain);
                    EndTurn(item);
                }
            }

            await DeactivateAsync(grain);
        }
        finally
        {
            // Leave the table before waiters wake, so they create the next activation instead of finding this one.
            _runtime.Remove(this);
            _completed.TrySetResult();
        }
    }

    private async Task<Grain?> ActivateAsync(IServiceProvider services)
    {
        lock (_gate)
        {
            if (_state != ActivationState.Creating)
            {
                // Deactivated (runtime shutdown) before turn 0: nothing was created, queued calls go elsewhere.
                _state = ActivationState.Invalid;
                BounceQueued();
                return null;
            }

            _state = ActivationState.Activating;
        }

        Grain? grain = null;
        try
        {
            grain = (Grain)ActivatorUtilities.CreateInstance(services, _grainType.Type);
            grain.Bind(this);
            await grain.OnActivateAsync(_runtime.StoppingToken);
        }
#pragma warning disable CA1031 // The failure goes to every call waiting on this activation.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Logger.LogActivationFailed(ex, GrainTypeName, Key);
            _runtime.Metrics.RecordActivationFailed(GrainTypeName);
            IActivationTimer[] timers;
            _activationFailure = ExceptionDispatchInfo.Capture(ex);
            lock (_gate)
            {
                _state = ActivationState.Invalid;
                timers = [.. _timers];
            }

            _mailbox.Writer.TryComplete();
            while (_mailbox.Reader.TryRead(out var item))
            {
                item.Fail(ex);
            }

            await StopTimersAsync(timers);
            await DisposeGrainAsync(grain);
            return null;
        }

        lock (_gate)
        {
            if (_state == ActivationState.Activating)
            {
                _state = ActivationState.Valid;
            }
        }

        Logger.LogActivated(GrainTypeName, Key);
        ApplyDeactivationRequest();
        return grain;
    }

    private async Task DeactivateAsync(Grain grain)
    {
        IActivationTimer[] timers;
        DeactivationReason reason;
        lock (_gate)
        {
            timers = [.. _timers];
            reason = _deactivationReason;
        }

        using (var timeout = new CancellationTokenSource(_runtime.Options.DeactivationTimeout, TimeProvider))
        {
            try
            {
                await grain.OnDeactivateAsync(reason, timeout.Token);
            }
#pragma warning disable CA1031 // A failing OnDeactivateAsync must not keep the activation in the table.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Logger.LogDeactivationFailed(ex, GrainTypeName, Key);
            }
        }

        await StopTimersAsync(timers);
        lock (_gate)
        {
            _state = ActivationState.Invalid;
        }

        await DisposeGrainAsync(grain);
        Logger.LogDeactivated(GrainTypeName, Key, reason.ReasonCode);
    }

    private bool TryStartTurn()
    {
        lock (_gate)
        {
            if (_state != ActivationState.Valid)
            {
                return false;
            }

            _turnRunning = true;
            return true;
        }
    }

    private void EndTurn(WorkItem item)
    {
        lock (_gate)
        {
            _turnRunning = false;
        }

        if (item is not TickWorkItem)
        {
            // A long call must not look idle the moment it returns.
            RecordActivity();
        }

        ApplyDeactivationRequest();
    }

    private void ApplyDeactivationRequest()
    {
        bool requested;
        lock (_gate)
        {
            requested = _deactivateAfterTurn;
            _deactivateAfterTurn = false;
        }

        if (requested)
        {
            BeginDeactivation(DeactivationReason.Requested);
        }
    }

    private void BounceQueued()
    {
        _mailbox.Writer.TryComplete();
        while (_mailbox.Reader.TryRead(out var item))
        {
            item.Bounce();
        }
    }

    private static async Task StopTimersAsync(IActivationTimer[] timers)
    {
        foreach (var timer in timers)
        {
            timer.Dispose();
        }

        await Task.WhenAll(timers.Select(static t => t.Completion));
    }

    private static async ValueTask DisposeGrainAsync(Grain? grain)
    {
        switch (grain)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
            default:
                break;
        }
    }
}
