namespace Orleans.Monitor.UnitTests.Runtime;

public sealed class GrainTimerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RegisterGrainTimer_SlowTick_NextPeriodCountsFromEndOfTick()
    {
        await using var harness = RuntimeHarness.Create();
        var start = harness.Time.GetUtcNow();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.TickGate = gate;
        await grain.StartTimerAsync(Period, Period, keepAlive: false);
        await WaitForTimerAsync(harness);

        harness.Time.Advance(Period);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:tick"), "the first tick started");
        // The tick outlasts its period: 15 s more pass while it runs.
        harness.Time.Advance(TimeSpan.FromSeconds(15));
        harness.Probe.TickGate = null;
        gate.SetResult();
        await WaitForTimerAsync(harness);
        harness.Time.Advance(Period);
        await Eventually.HoldsAsync(() => harness.Probe.TickStarts.Count == 2, "the second tick started");

        Assert.Equal([start + Period, start + TimeSpan.FromSeconds(35)], harness.Probe.TickStarts);
    }

    [Fact]
    public async Task RegisterGrainTimer_CallDuringTick_WaitsForTickToEnd()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.TickGate = gate;
        await grain.StartTimerAsync(Period, Timeout.InfiniteTimeSpan, keepAlive: false);
        await WaitForTimerAsync(harness);

        harness.Time.Advance(Period);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:tick"), "the tick started");
        var call = grain.EnterAndWaitAsync("call", Task.CompletedTask);
        await Eventually.HoldsAsync(() => harness.Runtime.GetActivations().Single().MailboxDepth == 1, "the call waits in the mailbox");
        gate.SetResult();
        await call.Within();

        Assert.Equal(["enter:tick", "exit:tick", "enter:call", "exit:call"], harness.Probe.Events);
    }

    [Fact]
    public async Task RegisterGrainTimer_Deactivation_CancelsRunningTickToken()
    {
        await using var harness = RuntimeHarness.Create();
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        harness.Probe.TickGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await grain.StartTimerAsync(Period, Period, keepAlive: false);
        await WaitForTimerAsync(harness);
        harness.Time.Advance(Period);
        await Eventually.HoldsAsync(() => harness.Probe.Events.Contains("enter:tick"), "the tick started");

        Assert.True(harness.Runtime.DeactivateOnIdle<IProbeGrain>("a"));

        // The tick only ends through its token, which deactivation cancels.
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the activation deactivated");
        Assert.DoesNotContain("exit:tick", harness.Probe.Events);
        Assert.Single(harness.Probe.Deactivations);
    }

    private static Task WaitForTimerAsync(RuntimeHarness harness) =>
        Eventually.HoldsAsync(() => harness.Time.PendingTimerCount == 1, "the timer waits for its next tick");
}
