using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.UnitTests.Support;

namespace Orleans.Monitor.UnitTests.Runtime;

/// <summary>What test grains report to the test, shared through DI.</summary>
public sealed class GrainProbe
{
    private int _activationFailuresToInject;

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentDictionary<string, int> Activations { get; } = new();

    public ConcurrentQueue<(string Key, DeactivationReasonCode Reason)> Deactivations { get; } = new();

    public ConcurrentQueue<DateTimeOffset> TickStarts { get; } = new();

    public ConcurrentDictionary<string, bool> GoneTargets { get; } = new();

    /// <summary>Ticks wait on this while it is set.</summary>
    public TaskCompletionSource? TickGate { get; set; }

    private int _maxConcurrency;
    private int _inside;

    /// <summary>The most turns seen running at once.</summary>
    public int MaxConcurrency => Volatile.Read(ref _maxConcurrency);

    public void FailNextActivations(int count) => Volatile.Write(ref _activationFailuresToInject, count);

    public bool TakeActivationFailure()
    {
        while (true)
        {
            var remaining = Volatile.Read(ref _activationFailuresToInject);
            if (remaining <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _activationFailuresToInject, remaining - 1, remaining) == remaining)
            {
                return true;
            }
        }
    }

    public void Enter(string label)
    {
        var inside = Interlocked.Increment(ref _inside);
        int max;
        do
        {
            max = Volatile.Read(ref _maxConcurrency);
        }
        while (inside > max && Interlocked.CompareExchange(ref _maxConcurrency, inside, max) != max);
        Events.Enqueue("enter:" + label);
    }

    public void Exit(string label)
    {
        Events.Enqueue("exit:" + label);
        Interlocked.Decrement(ref _inside);
    }
}

/// <summary>A runtime on a fake clock with the test grains registered.</summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    private RuntimeHarness(ServiceProvider services)
    {
        Services = services;
        Runtime = services.GetRequiredService<GrainRuntime>();
        Time = (FakeTimeProvider)services.GetRequiredService<TimeProvider>();
        Probe = services.GetRequiredService<GrainProbe>();
    }

    public ServiceProvider Services { get; }

    public GrainRuntime Runtime { get; }

    public FakeTimeProvider Time { get; }

    public GrainProbe Probe { get; }

    public static RuntimeHarness Create(Action<GrainRuntimeOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddSingleton<GrainProbe>();
        services.AddGrainRuntime(configure);
        services.AddGrain<IProbeGrain, ProbeGrain>();
        services.AddGrain<IAlwaysActiveGrain, AlwaysActiveGrain>();
        services.AddGrain<IChildGrain, ChildGrain>();
        return new RuntimeHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    /// <summary>Callers are released before the loop books the end of their turn; wait for that bookkeeping.</summary>
    public Task WaitUntilQuiescentAsync() =>
        Eventually.HoldsAsync(
            () => Runtime.GetActivations().All(static a => a.State == ActivationState.Valid && !a.TurnRunning && a.MailboxDepth == 0),
            "every activation is valid and idle");

    public async ValueTask DisposeAsync()
    {
        await Runtime.StopAsync(CancellationToken.None);
        await Services.DisposeAsync();
    }
}

/// <summary>Polls a condition until it holds or a deadline passes; tests never sleep a fixed time and hope.</summary>
public static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task HoldsAsync(Func<bool> condition, string because, Action? betweenPolls = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {because}.");
            }

            betweenPolls?.Invoke();
            await Task.Delay(5);
        }
    }

    /// <summary>Awaits a task with the deadline, so a hang fails the test instead of stalling the run.</summary>
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Deadline);

    public static Task Within(this Task task) => task.WaitAsync(Deadline);
}
