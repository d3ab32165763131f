using System.Collections.Immutable;
using System.Globalization;
using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>What one host answered a rule: its windows, or the failure that makes the rule's result unknown.</summary>
/// <param name="HostId">The daemon ID.</param>
/// <param name="Windows">The answer; null when the host is down or the call failed.</param>
/// <param name="Failure">Why there is no answer (the silo is dead, the call timed out, ...).</param>
public sealed record HostAnswer(string HostId, HostWindows? Windows, string? Failure = null);

/// <summary>Whether a rule's condition holds at one evaluation.</summary>
public enum RuleCondition
{
    /// <summary>Cannot say: a host is down or unreachable, nothing is selected, or no point yet.</summary>
    Unknown,

    /// <summary>The value is within bounds, or no selected container runs.</summary>
    Clear,

    /// <summary>The value is above <c>above</c> or below <c>below</c>.</summary>
    Holds,
}

/// <summary>One evaluation's outcome.</summary>
/// <param name="Direction">+1 when it holds by <c>above</c>, -1 by <c>below</c>, 0 otherwise.</param>
/// <param name="Hosts">The daemon IDs of the hosts with running selected containers.</param>
/// <param name="Containers">The names of the running selected containers the value covers.</param>
public sealed record RuleOutcome(
    RuleCondition Condition,
    double? Value,
    string? Reason,
    int Direction,
    ImmutableArray<string> Hosts,
    ImmutableArray<string> Containers);

/// <summary>Evaluates a rule over its hosts' answers. Any host without an answer makes the result unknown: never a false all-clear.</summary>
public static class RuleEvaluator
{
    public static RuleOutcome Evaluate(RuleDefinition rule, IReadOnlyCollection<HostAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(answers);
        var failed = answers
            .Select(a => a.Windows is null ? $"host {a.HostId} is unavailable: {a.Failure ?? "no answer"}"
                : !a.Windows.Reachable ? $"host {a.HostId} cannot reach its Docker daemon: {a.Windows.Reason ?? "unreachable"}"
                : null)
            .Where(r => r is not null)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (failed.Count > 0)
        {
            return Unknown(string.Join("; ", failed));
        }

        var selected = answers.SelectMany(a => a.Windows!.Containers.Select(c => (a.HostId, Container: c))).ToList();
        if (selected.Count == 0)
        {
            return Unknown(answers.Count == 0
                ? "no host is in the cluster"
                : $"the selector {rule.Selector} selects no container on any of the {answers.Count} hosts");
        }

        var running = selected.Where(s => s.Container.Running).ToList();
        if (running.Count == 0)
        {
            // Nothing runs: nothing is hot or idle. A definite answer, not a lack of data.
            return new RuleOutcome(RuleCondition.Clear, null, $"none of the {selected.Count} selected containers is running", 0, [], []);
        }

        var value = RuleAggregator.Aggregate(rule.Metric!, rule.Aggregate!, running.Select(s => s.Container));
        if (value is not { } v)
        {
            return Unknown($"the {running.Count} selected running containers have no {rule.Metric} sample yet");
        }

        var direction = rule.Above is { } above && v > above ? 1 : rule.Below is { } below && v < below ? -1 : 0;
        return new RuleOutcome(
            direction == 0 ? RuleCondition.Clear : RuleCondition.Holds,
            v,
            null,
            direction,
            [.. running.Select(s => s.HostId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            [.. running.Select(s => s.Container.Name).Order(StringComparer.Ordinal)]);
    }

    private static RuleOutcome Unknown(string reason) => new(RuleCondition.Unknown, null, reason, 0, [], []);

    /// <summary>A value for logs and annotations: up to 4 decimals, invariant culture.</summary>
    public static string Format(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "none";
}
