using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Grains.Runtime;

namespace Orleans.Monitor.UnitTests.Runtime;

public sealed class GrainCallTests
{
    [Fact]
    public async Task Call_TwoConcurrentCallsAcrossAwait_DoNotInterleave()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = grain.EnterAndWaitAsync("first", gate.Task);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:first"), "the first call entered");
        var second = grain.EnterAndWaitAsync("second", Task.CompletedTask);
        await Eventually.HoldsAsync(() => harness.Runtime.GetActivations().Single().MailboxDepth == 1, "the second call waits in the mailbox");
        gate.SetResult();
        await Task.WhenAll(first, second).Within();

        Assert.Equal(["enter:first", "exit:first", "enter:second", "exit:second"], harness.Probe.Events);
    }

    [Fact]
    public async Task Call_ManyConcurrentYieldingCalls_RunOneAtATime()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => grain.YieldingTurnAsync($"c{i}")))).Within();

        Assert.Equal(1, harness.Probe.MaxConcurrency);
        Assert.Equal(100, harness.Probe.Events.Count);
    }

    [Fact]
    public async Task Call_GrainMethodThrows_ExceptionReachesCallerAndActivationSurvives()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.FailAsync("boom").Within());

        Assert.Equal("boom", ex.Message);
        Assert.Equal(5, await grain.AddAsync(2, 3));
        Assert.Equal(1, harness.Probe.Activations["a"]);
        Assert.Equal(1, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task Call_ValueTaskMethods_ReturnResults()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("key-7");

        await grain.PingAsync();

        Assert.Equal(42, await grain.AddAsync(40, 2));
        Assert.Equal("key-7", await grain.GetKeyAsync());
    }

    [Fact]
    public async Task GetGrain_ConcurrentFirstCalls_ActivateOncePerKey()
    {
        await using var harness = RuntimeHarness.Create();
        string[] keys = ["a", "b", "c"];

        await Task.WhenAll(Enumerable.Range(0, 90).Select(i =>
            Task.Run(() => harness.Runtime.GetGrain<IProbeGrain>(keys[i % 3]).PingAsync().AsTask()))).Within();

        Assert.Equal(3, harness.Runtime.ActivationCount);
        Assert.All(keys, key => Assert.Equal(1, harness.Probe.Activations[key]));
        Assert.Equal(keys, harness.Runtime.GetActivations().Select(static a => a.Key).Order());
    }

    [Fact]
    public async Task Call_OnActivateAsyncThrows_CallFailsAndNextCallActivatesAgain()
    {
        await using var harness = RuntimeHarness.Create();
        harness.Probe.FailNextActivations(1);
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");

        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.PingAsync().AsTask().Within());
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the failed activation left the table");
        await grain.PingAsync();

        Assert.Equal(2, harness.Probe.Activations["a"]);
        Assert.Equal(ActivationState.Valid, harness.Runtime.GetActivations().Single().State);
    }

    [Fact]
    public async Task Call_MailboxFullForCallTimeout_ThrowsGrainOverloaded()
    {
        await using var harness = RuntimeHarness.Create(o =>
        {
            o.MailboxCapacity = 1;
            o.CallTimeout = TimeSpan.FromSeconds(5);
        });
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = grain.EnterAndWaitAsync("running", gate.Task);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:running"), "the first call runs");
        var queued = grain.EnterAndWaitAsync("queued", Task.CompletedTask);
        var timersBefore = harness.Time.PendingTimerCount;

        var rejected = grain.EnterAndWaitAsync("rejected", Task.CompletedTask);
        await Eventually.HoldsAsync(() => harness.Time.PendingTimerCount > timersBefore, "the third call waits for space");
        Assert.False(rejected.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<GrainOverloadedException>(() => rejected.Within());
        gate.SetResult();
        await Task.WhenAll(running, queued).Within();
        Assert.DoesNotContain("enter:rejected", harness.Probe.Events);
    }

    [Fact]
    public async Task Call_QueuedWhenDeactivationStarts_IsForwardedToNewActivation()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = grain.EnterAndWaitAsync("running", gate.Task);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:running"), "the first call runs");
        var queued = grain.AddAsync(1, 1).AsTask();

        Assert.True(harness.Runtime.DeactivateOnIdle<IProbeGrain>("a"));
        gate.SetResult();

        Assert.Equal(2, await queued.Within());
        await running.Within();
        Assert.Equal(2, harness.Probe.Activations["a"]);
        Assert.Equal([("a", DeactivationReasonCode.ApplicationRequested)], harness.Probe.Deactivations);
        Assert.Equal(1, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task DeactivateOnIdle_CalledInTurn_DeactivatesAfterTurnAndNextCallReactivates()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");

        await grain.DeactivateAfterThisCallAsync();
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the activation deactivated");
        await grain.PingAsync();

        Assert.Equal(2, harness.Probe.Activations["a"]);
        Assert.Equal([("a", DeactivationReasonCode.ApplicationRequested)], harness.Probe.Deactivations);
    }

    [Fact]
    public async Task StopAsync_ActiveGrains_DeactivateWithShuttingDownAndRejectNewCalls()
    {
        await using var harness = RuntimeHarness.Create();
        await harness.Runtime.GetGrain<IProbeGrain>("a").PingAsync();
        await harness.Runtime.GetGrain<IProbeGrain>("b").PingAsync();

        await harness.Runtime.StopAsync(CancellationToken.None).Within();

        Assert.Equal(0, harness.Runtime.ActivationCount);
        Assert.Equal(
            [("a", DeactivationReasonCode.ShuttingDown), ("b", DeactivationReasonCode.ShuttingDown)],
            harness.Probe.Deactivations.OrderBy(static d => d.Key));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => harness.Runtime.GetGrain<IProbeGrain>("a").PingAsync().AsTask());
    }

    [Fact]
    public void GetGrain_MethodNotReturningTask_ThrowsNamingTheMethod()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddGrain<IInvalidGrain, InvalidGrain>());

        Assert.Contains("NotATask", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetGrain_UnregisteredInterface_Throws()
    {
        await using var harness = RuntimeHarness.Create();

        Assert.Throws<ArgumentException>(() => harness.Runtime.GetGrain<IInvalidGrain>("a"));
    }

    private sealed class InvalidGrain : Grain, IInvalidGrain
    {
        public int NotATask() => 0;
    }
}
