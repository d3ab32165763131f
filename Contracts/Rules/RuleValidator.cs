using System.Globalization;
using Orleans.Monitor.Contracts.Settings;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>A field of a rule in error: its JSON path (<c>selector.label</c>, <c>scale.max</c>) and why.</summary>
public sealed record RuleError(string Field, string Message);

/// <summary>Checks rule names and rule definitions; every error names the field, as a 400 problem details does.</summary>
public static class RuleValidator
{
    /// <summary>The longest rule name.</summary>
    public const int MaxNameLength = 128;

    /// <summary>What a rule name may hold, as error messages state it.</summary>
    public const string NameForm = "1 to 128 characters: letters a-z A-Z, digits, '.', '_' and '-', starting with a letter or digit";

    private const int MaxSummaryLength = 1024;
    private const int MaxSelectorLength = 256;

    /// <summary>Whether <paramref name="name"/> is a rule name (<see cref="NameForm"/>).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The first error of <paramref name="rule"/>, or null when it is well formed. <paramref name="maxWindow"/> is the
    /// in-memory window (<c>Sampling:Window</c>): a rule cannot look further back.
    /// </summary>
    public static RuleError? Validate(RuleDefinition? rule, TimeSpan maxWindow)
    {
        if (rule is null)
        {
            return new RuleError("rule", "the body must be a JSON rule object.");
        }

        return ValidateSelector(rule.Selector)
            ?? ValidateMetric(rule)
            ?? ValidateWindow(rule.Window, maxWindow)
            ?? ValidateThresholds(rule)
            ?? ValidateFor(rule.For)
            ?? ValidateAlert(rule.Alert)
            ?? ValidateScale(rule);
    }

    private static RuleError? ValidateSelector(RuleSelector? selector)
    {
        if (selector is null)
        {
            return new RuleError("selector", "required: exactly one of swarmService, composeService, container or label.");
        }

        string?[] set = [selector.SwarmService, selector.ComposeService, selector.Container, selector.Label];
        var count = set.Count(v => v is not null);
        if (count != 1)
        {
            return new RuleError("selector", $"exactly one of swarmService, composeService, container or label must be set, not {count}.");
        }

        if (selector.SwarmService is { } swarm)
        {
            return Plain(swarm) ? null : new RuleError("selector.swarmService", $"a Swarm service name: 1 to {MaxSelectorLength} characters, no '/', '=' or whitespace.");
        }

        if (selector.ComposeService is { } compose)
        {
            var parts = compose.Split('/');
            return parts.Length == 2 && Plain(parts[0]) && Plain(parts[1])
                ? null
                : new RuleError("selector.composeService", "project/service: two non-empty names separated by one '/'.");
        }

        if (selector.Container is { } container)
        {
            return Plain(container) ? null : new RuleError("selector.container", $"a container name or id: 1 to {MaxSelectorLength} characters, no '/', '=' or whitespace.");
        }

        var label = selector.Label!;
        var equals = label.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && label.Length <= MaxSelectorLength && !label[..equals].Any(char.IsWhiteSpace)
            ? null
            : new RuleError("selector.label", "key=value: a non-empty label key, '=', then the value.");
    }

    private static bool Plain(string value) =>
        value.Length is > 0 and <= MaxSelectorLength && !value.Any(c => char.IsWhiteSpace(c) || c is '/' or '=' || char.IsControl(c));

    private static RuleError? ValidateMetric(RuleDefinition rule)
    {
        if (rule.Metric is null || !RuleMetrics.Names.Contains(rule.Metric))
        {
            return new RuleError("metric", "one of " + string.Join(", ", RuleMetrics.Names.Order(StringComparer.Ordinal)) + ".");
        }

        return rule.Aggregate is null || !RuleAggregates.Names.Contains(rule.Aggregate)
            ? new RuleError("aggregate", "one of avg, max, p95.")
            : null;
    }

    private static RuleError? ValidateWindow(string? window, TimeSpan maxWindow)
    {
        if (!Duration.TryParse(window, out var span) || span < TimeSpan.FromSeconds(1))
        {
            return new RuleError("window", $"a duration of at least 1s ({Duration.Forms}).");
        }

        return span > maxWindow
            ? new RuleError("window", $"at most the in-memory window, {Duration.Format(maxWindow)} (setting Sampling:Window).")
            : null;
    }

    private static RuleError? ValidateThresholds(RuleDefinition rule)
    {
        if (rule.Above is null && rule.Below is null)
        {
            return new RuleError("above", "above or below (or both) must be set.");
        }

        if (rule.Above is { } above && !double.IsFinite(above))
        {
            return new RuleError("above", "a finite number.");
        }

        if (rule.Below is { } below && !double.IsFinite(below))
        {
            return new RuleError("below", "a finite number.");
        }

        // Both set: the condition holds outside [below, above]; the other way round it could never be ok.
        return rule.Above is { } a && rule.Below is { } b && b > a
            ? new RuleError("below", $"with both set, below ({b.ToString(CultureInfo.InvariantCulture)}) must not exceed above ({a.ToString(CultureInfo.InvariantCulture)}).")
            : null;
    }

    private static RuleError? ValidateFor(string? value) =>
        Duration.TryParse(value, out var span) && span >= TimeSpan.Zero && span <= TimeSpan.FromDays(1)
            ? null
            : new RuleError("for", $"a duration from 0s to 1d ({Duration.Forms}).");

    private static RuleError? ValidateAlert(RuleAlert? alert)
    {
        if (alert is null)
        {
            return null;
        }

        if (alert.Severity is not (null or RuleAlert.Warning or RuleAlert.Critical))
        {
            return new RuleError("alert.severity", "warning or critical.");
        }

        return alert.Summary is { Length: > MaxSummaryLength }
            ? new RuleError("alert.summary", $"at most {MaxSummaryLength} characters.")
            : null;
    }

    private static RuleError? ValidateScale(RuleDefinition rule)
    {
        if (rule.Scale is not { } scale)
        {
            return null;
        }

        if (rule.Selector?.SwarmService is null)
        {
            return new RuleError("scale", "only with a swarmService selector.");
        }

        if (scale.Min is not { } min || min < 0)
        {
            return new RuleError("scale.min", "required: a whole number of replicas, at least 0.");
        }

        if (scale.Max is not { } max || max < Math.Max(min, 1))
        {
            return new RuleError("scale.max", $"required: a whole number of replicas, at least 1 and at least min ({min}).");
        }

        if (scale.Step is { } step && (step < 1 || step > max))
        {
            return new RuleError("scale.step", $"a whole number of replicas from 1 to max ({max}).");
        }

        return scale.Cooldown is not null && (!Duration.TryParse(scale.Cooldown, out var cooldown) || cooldown < TimeSpan.Zero || cooldown > TimeSpan.FromDays(1))
            ? new RuleError("scale.cooldown", $"a duration from 0s to 1d ({Duration.Forms}).")
            : null;
    }
}
