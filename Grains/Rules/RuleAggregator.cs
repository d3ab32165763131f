using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>Folds the selected running containers' windows into a rule's one value (<see cref="RuleAggregates"/>).</summary>
public static class RuleAggregator
{
    /// <summary>
    /// The aggregate of <paramref name="metric"/> over <paramref name="windows"/>, or null when no point measures it.
    /// <c>avg</c> weighs every container the same (the mean of each one's mean), so one container sampled longer does
    /// not count more; <c>max</c> and <c>p95</c> pool every point.
    /// </summary>
    public static double? Aggregate(string metric, string aggregate, IEnumerable<ContainerWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var means = new List<double>();
        var all = new List<double>();
        foreach (var window in windows)
        {
            double sum = 0;
            var count = 0;
            foreach (var point in window.Points)
            {
                if (RuleMetrics.Read(metric, point, window.MemoryLimitBytes) is { } value)
                {
                    sum += value;
                    count++;
                    all.Add(value);
                }
            }

            if (count > 0)
            {
                means.Add(sum / count);
            }
        }

        if (all.Count == 0)
        {
            return null;
        }

        return aggregate switch
        {
            RuleAggregates.Avg => means.Average(),
            RuleAggregates.Max => all.Max(),
            RuleAggregates.P95 => Percentile95(all),
            _ => throw new ArgumentOutOfRangeException(nameof(aggregate), aggregate, "not a rule aggregate"),
        };
    }

    /// <summary>Nearest rank: the smallest value with at least 95 % of the values at or below it.</summary>
    private static double Percentile95(List<double> values)
    {
        values.Sort();
        var rank = (int)Math.Ceiling(0.95 * values.Count);
        return values[Math.Clamp(rank, 1, values.Count) - 1];
    }
}
