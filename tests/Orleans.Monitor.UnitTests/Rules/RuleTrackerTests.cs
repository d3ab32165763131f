using Microsoft.Extensions.Time.Testing;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Rules;

namespace Orleans.Monitor.UnitTests.Rules;

public sealed class RuleTrackerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _clock = new(RuleWindows.T0);

    private AlertTransition Step(RuleTracker tracker, RuleCondition condition)
    {
        _clock.Advance(Interval);
        return tracker.Observe(condition, _clock.GetUtcNow());
    }

    [Fact]
    public void Observe_HoldsForLessThanFor_StaysPending()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(15));

        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds)); // t=5: held 0 s
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds)); // 5 s
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds)); // 10 s
        Assert.Equal(RuleStates.Pending, tracker.State);
        Assert.Equal(RuleWindows.T0 + Interval, tracker.Since);
    }

    [Fact]
    public void Observe_HoldsForFor_FiresOnce()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(15));
        for (var i = 0; i < 3; i++)
        {
            Step(tracker, RuleCondition.Holds);
        }

        Assert.Equal(AlertTransition.Fire, Step(tracker, RuleCondition.Holds)); // held 15 s
        Assert.Equal(RuleStates.Firing, tracker.State);
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.True(tracker.Firing);
    }

    [Fact]
    public void Observe_ClearWhilePending_StartsOver()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(10));
        Step(tracker, RuleCondition.Holds);
        Step(tracker, RuleCondition.Holds);
        Step(tracker, RuleCondition.Clear);

        Assert.Equal(RuleStates.Ok, tracker.State);
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.Fire, Step(tracker, RuleCondition.Holds));
    }

    [Fact]
    public void Observe_ClearWhileFiring_Resolves()
    {
        var tracker = new RuleTracker(TimeSpan.Zero);

        Assert.Equal(AlertTransition.Fire, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.Resolve, Step(tracker, RuleCondition.Clear));
        Assert.Equal(RuleStates.Ok, tracker.State);
        Assert.Null(tracker.Since);
    }

    [Fact]
    public void Observe_UnknownWhileFiring_NeitherResolvesNorFiresAgain()
    {
        var tracker = new RuleTracker(TimeSpan.Zero);
        Step(tracker, RuleCondition.Holds);

        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Unknown));
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Unknown));
        Assert.True(tracker.Firing);
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.Resolve, Step(tracker, RuleCondition.Clear));
    }

    [Fact]
    public void Observe_UnknownWhilePending_DoesNotFireAndRestartsFor()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(10));
        Step(tracker, RuleCondition.Holds);
        Step(tracker, RuleCondition.Holds);

        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Unknown)); // would have been 10 s
        Assert.False(tracker.Firing);
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.Fire, Step(tracker, RuleCondition.Holds));
    }

    [Fact]
    public void Resume_OpenAlert_ResolvesOnClearWithoutFiringAgain()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(10));
        tracker.Resume(RuleWindows.T0);

        Assert.Equal(AlertTransition.None, Step(tracker, RuleCondition.Holds));
        Assert.Equal(AlertTransition.Resolve, Step(tracker, RuleCondition.Clear));
    }

    [Fact]
    public void Observe_FiringAboveThenHoldsBelow_ResolvesAndStartsForOver()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(10));
        _clock.Advance(Interval);
        tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), 1);
        _clock.Advance(Interval);
        tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), 1);
        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.Fire, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), 1));

        // The load stopped between two evaluations: from above `above` straight to below `below`.
        _clock.Advance(Interval);
        var flipped = _clock.GetUtcNow();
        Assert.Equal(AlertTransition.Resolve, tracker.Observe(RuleCondition.Holds, flipped, -1));
        Assert.Equal((RuleStates.Pending, flipped), (tracker.State, tracker.Since));

        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.None, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), -1));
        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.Fire, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), -1));
    }

    [Fact]
    public void Observe_PendingAboveThenHoldsBelow_StartsForOver()
    {
        var tracker = new RuleTracker(TimeSpan.FromSeconds(10));
        _clock.Advance(Interval);
        tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), 1);
        _clock.Advance(Interval);
        tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), 1);

        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.None, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), -1));
        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.None, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), -1));
        Assert.Equal(RuleStates.Pending, tracker.State);
        _clock.Advance(Interval);
        Assert.Equal(AlertTransition.Fire, tracker.Observe(RuleCondition.Holds, _clock.GetUtcNow(), -1));
    }
}
