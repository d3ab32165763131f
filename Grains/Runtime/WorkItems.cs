namespace Orleans.Monitor.Grains.Runtime;

/// <summary>One turn waiting in an activation's mailbox.</summary>
internal abstract class WorkItem
{
    /// <summary>Runs the turn; outcomes go to whoever waits on the item, never out of this method.</summary>
    public abstract Task RunAsync(Grain grain);

    /// <summary>The activation went away before the turn ran; the caller may forward it.</summary>
    public abstract void Bounce();

    /// <summary>The activation could not be created; the caller sees why.</summary>
    public abstract void Fail(Exception exception);
}

/// <summary>An incoming call; its caller awaits <see cref="Completion"/>.</summary>
internal sealed class CallWorkItem<T>(Func<Grain, Task<T>> body) : WorkItem
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Completion => _completion.Task;

    /// <summary>Set by the runtime only, so a <see cref="GrainDeactivatedException"/> thrown by grain code is never forwarded.</summary>
    public bool Bounced { get; private set; }

    public override async Task RunAsync(Grain grain)
    {
        try
        {
            _completion.TrySetResult(await body(grain));
        }
#pragma warning disable CA1031 // Any exception of the grain method belongs to the caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _completion.TrySetException(ex);
        }
    }

    public override void Bounce()
    {
        Bounced = true;
        _completion.TrySetException(new GrainDeactivatedException("The grain deactivated before the call ran."));
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>A timer tick run as a turn; the timer loop waits for it before scheduling the next one.</summary>
internal sealed class TickWorkItem(IActivationTimer timer) : WorkItem
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _completion.Task;

    public override async Task RunAsync(Grain grain)
    {
        await timer.TickAsync();
        _completion.TrySetResult();
    }

    public override void Bounce() => _completion.TrySetResult();

    public override void Fail(Exception exception) => _completion.TrySetResult();
}

/// <summary>What an activation needs of its timers, whatever their state type.</summary>
internal interface IActivationTimer : IGrainTimer
{
    /// <summary>The timer loop; it ends soon after <see cref="IDisposable.Dispose"/>.</summary>
    Task Completion { get; }

    /// <summary>Runs the callback; logs instead of throwing.</summary>
    Task TickAsync();
}
