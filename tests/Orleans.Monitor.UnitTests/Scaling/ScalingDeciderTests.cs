using Microsoft.Extensions.Time.Testing;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Grains.Scaling;

namespace Orleans.Monitor.UnitTests.Scaling;

public sealed class ScalingDeciderTests
{
    private static readonly ScaleLimits Limits = new(Min: 1, Max: 3, Step: 1, Cooldown: TimeSpan.FromSeconds(60));

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeSwarm _swarm = new(replicas: 1);

    [Fact]
    public async Task DecideAsync_UpBelowMax_ScalesOneStepAndRecords()
    {
        var decider = new ScalingDecider(_clock);

        var (decision, record) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.Scaled, 1, 2, true), (decision.Outcome, decision.From, decision.To, record));
        Assert.Equal(2, _swarm.Replicas);
        Assert.Equal(_clock.GetUtcNow(), decision.At);
        Assert.Null(decision.Detail);
    }

    [Fact]
    public async Task DecideAsync_WithinCooldown_BlocksWithoutCallingDocker()
    {
        var decider = new ScalingDecider(_clock);
        await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);
        var calls = _swarm.Calls;

        _clock.Advance(TimeSpan.FromSeconds(59));
        var (decision, record) = await decider.DecideAsync(Request(ScaleDirection.Down), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.BlockedCooldown, 2, 2, true), (decision.Outcome, decision.From, decision.To, record));
        Assert.Equal(calls, _swarm.Calls);
        Assert.Equal(2, _swarm.Replicas);
    }

    [Fact]
    public async Task DecideAsync_CooldownOver_ScalesAgain()
    {
        var decider = new ScalingDecider(_clock);
        await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        _clock.Advance(TimeSpan.FromSeconds(60));
        var (decision, _) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.Scaled, 2, 3), (decision.Outcome, decision.From, decision.To));
    }

    [Fact]
    public async Task DecideAsync_AtMax_BlockedMaxRecordedOnceWhileUnchanged()
    {
        _swarm.Replicas = 3;
        var decider = new ScalingDecider(_clock);

        var (first, recordFirst) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);
        decider.Recorded(first);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var (second, recordSecond) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.BlockedMax, 3, 3, true), (first.Outcome, first.From, first.To, recordFirst));
        Assert.Equal((ScalingPolicy.BlockedMax, false), (second.Outcome, recordSecond));
        Assert.Equal(3, _swarm.Replicas);
    }

    [Fact]
    public async Task DecideAsync_AtMin_BlockedMinThenDifferentOutcomeRecordedAgain()
    {
        var decider = new ScalingDecider(_clock);

        var (first, _) = await decider.DecideAsync(Request(ScaleDirection.Down), enabled: true, Manager);
        decider.Recorded(first);
        var (second, recordSecond) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal(ScalingPolicy.BlockedMin, first.Outcome);
        Assert.Equal((ScalingPolicy.Scaled, true), (second.Outcome, recordSecond));
    }

    [Fact]
    public async Task DecideAsync_Disabled_SendsNoUpdate()
    {
        var decider = new ScalingDecider(_clock);

        var (decision, record) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: false, Manager);

        Assert.Equal((ScalingPolicy.Disabled, 1, 1, true), (decision.Outcome, decision.From, decision.To, record));
        Assert.Equal(0, _swarm.Updates);
        Assert.Equal(1, _swarm.Replicas);
    }

    [Fact]
    public async Task DecideAsync_ManagerSiloDisabled_RecordsDisabled()
    {
        _swarm.Disabled = true;
        var decider = new ScalingDecider(_clock);

        var (decision, _) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.Disabled, 1, 1), (decision.Outcome, decision.From, decision.To));
        Assert.Equal(0, _swarm.Updates);
    }

    [Fact]
    public async Task DecideAsync_NoManager_FailsWithTheReason()
    {
        var decider = new ScalingDecider(_clock);

        var (decision, record) = await decider.DecideAsync(
            Request(ScaleDirection.Up), enabled: true, () => throw new SwarmServiceException("no Swarm manager host is up (2 hosts checked)"));

        Assert.Equal((ScalingPolicy.Failed, true), (decision.Outcome, record));
        Assert.Contains("no Swarm manager host is up", decision.Detail, StringComparison.Ordinal);
        Assert.Null(decider.LastApplied);
    }

    [Fact]
    public async Task DecideAsync_InvalidLimits_FailsNamingTheField()
    {
        var decider = new ScalingDecider(_clock);

        var (decision, _) = await decider.DecideAsync(Request(ScaleDirection.Up) with { Limits = Limits with { Step = 0 } }, enabled: true, Manager);

        Assert.Equal(ScalingPolicy.Failed, decision.Outcome);
        Assert.Contains("step", decision.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _swarm.Calls);
    }

    [Fact]
    public async Task Restore_AppliedWithinCooldown_KeepsBlocking()
    {
        var decider = new ScalingDecider(_clock);
        var applied = new ScalingDecision("web", _clock.GetUtcNow() - TimeSpan.FromSeconds(30), 1, 2, "cpu", 90, ScalingPolicy.Scaled, null);
        decider.Restore([applied with { At = applied.At + TimeSpan.FromSeconds(5), From = 2, Outcome = ScalingPolicy.BlockedCooldown }, applied]);

        var (decision, record) = await decider.DecideAsync(Request(ScaleDirection.Up), enabled: true, Manager);

        Assert.Equal((ScalingPolicy.BlockedCooldown, 2, false), (decision.Outcome, decision.From, record));
        Assert.Equal(0, _swarm.Calls);
    }

    [Theory]
    [InlineData(1, ScaleDirection.Up, 2)]
    [InlineData(3, ScaleDirection.Up, 3)]
    [InlineData(5, ScaleDirection.Up, 5)]
    [InlineData(2, ScaleDirection.Down, 1)]
    [InlineData(1, ScaleDirection.Down, 1)]
    [InlineData(0, ScaleDirection.Down, 0)]
    public void Target_StepWithinBounds_NeverMovesTheOtherWay(int current, ScaleDirection direction, int expected)
    {
        Assert.Equal(expected, ScalingPolicy.Target(current, direction, Limits));
    }

    [Fact]
    public void Target_StepPastMax_ClampsToMax()
    {
        Assert.Equal(3, ScalingPolicy.Target(2, ScaleDirection.Up, Limits with { Step = 5 }));
        Assert.Equal(1, ScalingPolicy.Target(3, ScaleDirection.Down, Limits with { Step = 5 }));
    }

    private Task<ISwarmServiceOperations> Manager() => Task.FromResult<ISwarmServiceOperations>(_swarm);

    private ScaleRequest Request(ScaleDirection direction) => new("web", direction, Limits, "cpu", 90, _clock.GetUtcNow());

    /// <summary>A Swarm service's replica count held in memory, counting the calls a decision made.</summary>
    private sealed class FakeSwarm(int replicas) : ISwarmServiceOperations
    {
        public int Replicas { get; set; } = replicas;

        public bool Disabled { get; set; }

        public int Calls { get; private set; }

        public int Updates { get; private set; }

        public Task<int> ReplicasAsync(string service)
        {
            Calls++;
            return Task.FromResult(Replicas);
        }

        public Task<SwarmScaleResult> ScaleAsync(string service, ScaleDirection direction, ScaleLimits limits)
        {
            Calls++;
            var target = ScalingPolicy.Target(Replicas, direction, limits);
            if (Disabled || target == Replicas)
            {
                return Task.FromResult(new SwarmScaleResult(Replicas, Replicas, false, Disabled));
            }

            Updates++;
            var from = Replicas;
            Replicas = target;
            return Task.FromResult(new SwarmScaleResult(from, target, true));
        }
    }
}
