using Orleans.Monitor.Grains.Runtime;

namespace Orleans.Monitor.UnitTests.Runtime;

public interface IProbeGrain : IGrainWithStringKey
{
    Task EnterAndWaitAsync(string label, Task gate);

    Task YieldingTurnAsync(string label);

    Task FailAsync(string message);

    ValueTask<int> AddAsync(int a, int b);

    ValueTask PingAsync();

    Task<string> GetKeyAsync();

    Task StartTimerAsync(TimeSpan dueTime, TimeSpan period, bool keepAlive);

    Task DeactivateAfterThisCallAsync();
}

public interface IAlwaysActiveGrain : IGrainWithStringKey
{
    Task PingAsync();
}

public interface IChildGrain : IGrainWithStringKey
{
    Task StartAsync(CancellationToken cancellationToken);
}

public interface IInvalidGrain : IGrainWithStringKey
{
    int NotATask();
}

public sealed class ProbeGrain(GrainProbe probe, TimeProvider timeProvider) : Grain, IProbeGrain
{
    private IGrainTimer? _timer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Widens the window in which concurrent first calls could create a second activation.
        await Task.Yield();
        probe.Activations.AddOrUpdate(GrainKey, 1, static (_, n) => n + 1);
        if (probe.TakeActivationFailure())
        {
            throw new InvalidOperationException("activation failed on purpose");
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivations.Enqueue((GrainKey, reason.ReasonCode));
        return Task.CompletedTask;
    }

    public async Task EnterAndWaitAsync(string label, Task gate)
    {
        probe.Enter(label);
        await gate;
        probe.Exit(label);
    }

    public async Task YieldingTurnAsync(string label)
    {
        probe.Enter(label);
        for (var i = 0; i < 5; i++)
        {
            await Task.Yield();
        }

        probe.Exit(label);
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public ValueTask<int> AddAsync(int a, int b) => ValueTask.FromResult(a + b);

    public ValueTask PingAsync() => ValueTask.CompletedTask;

    public Task<string> GetKeyAsync() => Task.FromResult(GrainKey);

    public Task StartTimerAsync(TimeSpan dueTime, TimeSpan period, bool keepAlive)
    {
        _timer = RegisterGrainTimer(
            static (self, ct) => self.TickAsync(ct),
            this,
            new GrainTimerCreationOptions(dueTime, period) { KeepAlive = keepAlive });
        return Task.CompletedTask;
    }

    public Task DeactivateAfterThisCallAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        probe.TickStarts.Enqueue(timeProvider.GetUtcNow());
        probe.Enter("tick");
        if (probe.TickGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        probe.Exit("tick");
    }
}

[CollectionAgeLimit(AlwaysActive = true)]
public sealed class AlwaysActiveGrain : Grain, IAlwaysActiveGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

public sealed class ChildGrain(GrainProbe probe) : Grain, IChildGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activations.AddOrUpdate(GrainKey, 1, static (_, n) => n + 1);
        return probe.TakeActivationFailure()
            ? throw new InvalidOperationException("child activation failed on purpose")
            : Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        probe.GoneTargets.ContainsKey(GrainKey)
            ? throw new GrainTargetGoneException($"container {GrainKey} was removed")
            : Task.CompletedTask;
}
