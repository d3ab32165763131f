using Orleans.Monitor.Grains.Runtime;

namespace Orleans.Monitor.UnitTests.Runtime;

public sealed class IdleCollectionTests
{
    [Fact]
    public async Task CollectIdleActivations_IdlePastAge_CallsOnDeactivateAsync()
    {
        await using var harness = RuntimeHarness.Create(o => o.CollectionAge = TimeSpan.FromMinutes(15));
        await harness.Runtime.GetGrain<IProbeGrain>("a").PingAsync();

        await harness.WaitUntilQuiescentAsync();
        harness.Time.Advance(TimeSpan.FromMinutes(15));
        await harness.Runtime.CollectIdleActivationsAsync(CancellationToken.None).Within();

        Assert.Equal([("a", DeactivationReasonCode.ActivationIdle)], harness.Probe.Deactivations);
        Assert.Equal(0, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task CollectIdleActivations_RecentCall_KeepsActivation()
    {
        await using var harness = RuntimeHarness.Create(o => o.CollectionAge = TimeSpan.FromMinutes(15));
        var grain = harness.Runtime.GetGrain<IProbeGrain>("a");
        await grain.PingAsync();
        await harness.WaitUntilQuiescentAsync();
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        await grain.PingAsync();

        await harness.WaitUntilQuiescentAsync();
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        await harness.Runtime.CollectIdleActivationsAsync(CancellationToken.None).Within();

        Assert.Empty(harness.Probe.Deactivations);
        Assert.Equal(1, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task CollectIdleActivations_AlwaysActiveAttribute_NeverCollected()
    {
        await using var harness = RuntimeHarness.Create();
        await harness.Runtime.GetGrain<IAlwaysActiveGrain>("keep").PingAsync();
        await harness.Runtime.GetGrain<IProbeGrain>("drop").PingAsync();

        await harness.WaitUntilQuiescentAsync();
        harness.Time.Advance(TimeSpan.FromDays(1));
        await harness.Runtime.CollectIdleActivationsAsync(CancellationToken.None).Within();

        Assert.Equal("keep", Assert.Single(harness.Runtime.GetActivations()).Key);
    }

    [Fact]
    public async Task CollectIdleActivations_KeepAliveTimerTicks_KeepActivation()
    {
        await using var harness = RuntimeHarness.Create(o => o.CollectionAge = TimeSpan.FromMinutes(15));
        await harness.Runtime.GetGrain<IProbeGrain>("kept").StartTimerAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), keepAlive: true);
        await harness.Runtime.GetGrain<IProbeGrain>("ticking").StartTimerAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), keepAlive: false);

        for (var minute = 1; minute <= 20; minute++)
        {
            await Eventually.HoldsAsync(() => harness.Time.PendingTimerCount == 2, "both timers wait for their next tick");
            harness.Time.Advance(TimeSpan.FromMinutes(1));
            var expected = minute * 2;
            await Eventually.HoldsAsync(() => harness.Probe.TickStarts.Count == expected, $"minute {minute} ticked twice");
        }

        await Eventually.HoldsAsync(() => harness.Time.PendingTimerCount == 2, "both timers wait for their next tick");
        await harness.WaitUntilQuiescentAsync();
        await harness.Runtime.CollectIdleActivationsAsync(CancellationToken.None).Within();

        Assert.Equal([("ticking", DeactivationReasonCode.ActivationIdle)], harness.Probe.Deactivations);
        Assert.Equal("kept", Assert.Single(harness.Runtime.GetActivations()).Key);
    }

    [Fact]
    public async Task StartAsync_CollectorEveryQuantum_DeactivatesIdleGrain()
    {
        await using var harness = RuntimeHarness.Create(o =>
        {
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
            o.CollectionAge = TimeSpan.FromMinutes(5);
        });
        await harness.Runtime.StartAsync(CancellationToken.None);
        await harness.Runtime.GetGrain<IProbeGrain>("a").PingAsync();

        await Eventually.HoldsAsync(
            () => !harness.Probe.Deactivations.IsEmpty,
            "the collector deactivated the idle grain",
            betweenPolls: () => harness.Time.Advance(TimeSpan.FromMinutes(1)));

        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(harness.Probe.Deactivations).Reason);
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the activation left the table");
    }
}
