using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Rules;
using static Orleans.Monitor.UnitTests.Rules.RuleWindows;

namespace Orleans.Monitor.UnitTests.Rules;

public sealed class RuleAggregatorTests
{
    [Fact]
    public void Aggregate_Avg_IsMeanOfEachContainersMean()
    {
        // a: mean 10 over 4 points; b: mean 90 over 1 point. Pooled it would be 26; per container it is 50.
        var windows = new[] { Cpu("a", 0, 10, 20, 10), Cpu("b", 90) };

        Assert.Equal(50, RuleAggregator.Aggregate(RuleMetrics.CpuPercent, RuleAggregates.Avg, windows));
    }

    [Fact]
    public void Aggregate_Max_IsLargestPointOfAnyContainer()
    {
        var windows = new[] { Cpu("a", 5, 70, 5), Cpu("b", 60, 65) };

        Assert.Equal(70, RuleAggregator.Aggregate(RuleMetrics.CpuPercent, RuleAggregates.Max, windows));
    }

    [Fact]
    public void Aggregate_P95_IsNearestRankOverAllPoints()
    {
        // 1..100 over two containers: the 95th value of 100 is 95.
        var first = Enumerable.Range(1, 50).Select(i => (float)i).ToArray();
        var second = Enumerable.Range(51, 50).Select(i => (float)i).ToArray();

        Assert.Equal(95, RuleAggregator.Aggregate(RuleMetrics.CpuPercent, RuleAggregates.P95, [Cpu("a", first), Cpu("b", second)]));
        Assert.Equal(7, RuleAggregator.Aggregate(RuleMetrics.CpuPercent, RuleAggregates.P95, [Cpu("a", 7)]));
    }

    [Fact]
    public void Aggregate_MemoryPercent_IsUsedOverLimit()
    {
        // Memory used is cpu * 10 bytes of a 1000-byte limit: 50 % cpu -> 500 bytes -> 50 %.
        Assert.Equal(50, RuleAggregator.Aggregate(RuleMetrics.MemoryPercent, RuleAggregates.Max, [Cpu("a", 20, 50)]));
    }

    [Fact]
    public void Aggregate_ThrottledPeriodsRatio_ReadsThePointsRatio()
    {
        Assert.Equal(0.3, RuleAggregator.Aggregate(RuleMetrics.ThrottledPeriodsRatio, RuleAggregates.Avg, [Cpu("a", 20, 40)])!.Value, 5);
    }

    [Fact]
    public void Aggregate_UnmeasuredNetwork_IsNull()
    {
        Assert.Null(RuleAggregator.Aggregate(RuleMetrics.NetRxBytesPerSecond, RuleAggregates.Avg, [Cpu("a", 1, 2)]));
    }
}
