using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Rules;
using static Orleans.Monitor.UnitTests.Rules.RuleWindows;

namespace Orleans.Monitor.UnitTests.Rules;

public sealed class RuleEvaluatorTests
{
    private static readonly RuleDefinition Hot = new(new RuleSelector(SwarmService: "web"), "cpuPercent", "avg", "30s", Above: 50, Below: null, For: "10s");

    [Fact]
    public void Evaluate_AboveThreshold_HoldsWithHostsAndContainers()
    {
        var outcome = RuleEvaluator.Evaluate(Hot, [new HostAnswer("h2", Host("h2", Cpu("web.2", 90))), new HostAnswer("h1", Host("h1", Cpu("web.1", 70)))]);

        Assert.Equal(RuleCondition.Holds, outcome.Condition);
        Assert.Equal(80, outcome.Value);
        Assert.Equal(1, outcome.Direction);
        Assert.Equal(["h1", "h2"], outcome.Hosts.ToArray());
        Assert.Equal(["web.1", "web.2"], outcome.Containers.ToArray());
    }

    [Fact]
    public void Evaluate_BelowThreshold_HoldsDownward()
    {
        var outcome = RuleEvaluator.Evaluate(Hot with { Above = null, Below = 5 }, [new HostAnswer("h1", Host("h1", Cpu("web.1", 1, 2)))]);

        Assert.Equal(RuleCondition.Holds, outcome.Condition);
        Assert.Equal(-1, outcome.Direction);
    }

    [Fact]
    public void Evaluate_WithinBounds_IsClear()
    {
        Assert.Equal(RuleCondition.Clear, RuleEvaluator.Evaluate(Hot, [new HostAnswer("h1", Host("h1", Cpu("web.1", 10)))]).Condition);
    }

    [Fact]
    public void Evaluate_OneHostDown_IsUnknownNamingIt()
    {
        // The reachable host is cool; the down host might be burning: not an all-clear.
        var outcome = RuleEvaluator.Evaluate(Hot, [
            new HostAnswer("h1", Host("h1", Cpu("web.1", 1))),
            new HostAnswer("h2", null, "its silo docker-h2 is dead in Orleans membership")]);

        Assert.Equal(RuleCondition.Unknown, outcome.Condition);
        Assert.Null(outcome.Value);
        Assert.Contains("h2", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("dead", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DaemonUnreachable_IsUnknownNamingTheHost()
    {
        var outcome = RuleEvaluator.Evaluate(Hot, [new HostAnswer("h1", new HostWindows("h1", false, "connection refused", [Cpu("web.1", 99)]))]);

        Assert.Equal(RuleCondition.Unknown, outcome.Condition);
        Assert.Contains("h1", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NothingSelected_IsUnknownWithReason()
    {
        var outcome = RuleEvaluator.Evaluate(Hot, [new HostAnswer("h1", Host("h1")), new HostAnswer("h2", Host("h2"))]);

        Assert.Equal(RuleCondition.Unknown, outcome.Condition);
        Assert.Contains("selects no container", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoHost_IsUnknown()
    {
        Assert.Equal(RuleCondition.Unknown, RuleEvaluator.Evaluate(Hot, []).Condition);
    }

    [Fact]
    public void Evaluate_SelectedButStopped_IsClear()
    {
        var outcome = RuleEvaluator.Evaluate(Hot, [new HostAnswer("h1", Host("h1", Stopped("web.1")))]);

        Assert.Equal(RuleCondition.Clear, outcome.Condition);
        Assert.Null(outcome.Value);
    }
}
