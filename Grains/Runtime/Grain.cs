namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// Base class of grain implementations. The runtime builds each activation with constructor injection, assigns
/// its key, then runs <see cref="OnActivateAsync"/> as its first turn; every call and timer tick after that is a
/// turn of its own, one at a time.
/// </summary>
public abstract class Grain
{
    private GrainActivation? _activation;

    /// <summary>The grain's key; Orleans' <c>this.GetPrimaryKeyString()</c>. Set before <see cref="OnActivateAsync"/>.</summary>
    public string GrainKey => Activation.Key;

    /// <summary>References to other grains.</summary>
    protected IGrainFactory GrainFactory => Activation.Runtime;

    private GrainActivation Activation =>
        _activation ?? throw new InvalidOperationException("The grain is not bound to an activation yet; use it from OnActivateAsync on, not from its constructor.");

    /// <summary>Runs as turn 0; when it throws, the triggering calls fail and the activation is discarded.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs as the last turn; not guaranteed if the process dies.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Registers a timer whose ticks run as turns (unless <see cref="GrainTimerCreationOptions.Interleave"/>); the
    /// period counts from the end of the previous tick. The timer dies with the activation.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer<TState>(
        Func<TState, CancellationToken, Task> callback,
        TState state,
        GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(callback, state, options);
    }

    /// <summary>Registers a timer without state; see the overload with state.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(static (cb, ct) => cb(ct), callback, options);
    }

    /// <summary>Deactivates this activation once the current turn ends; later calls get a new activation.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivationAfterTurn();

    /// <summary>Keeps the idle collector away for at least <paramref name="timeSpan"/> from now.</summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => Activation.DelayDeactivation(timeSpan);

    internal void Bind(GrainActivation activation) => _activation = activation;
}
