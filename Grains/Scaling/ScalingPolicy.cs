using Orleans.Monitor.Contracts.Scaling;

namespace Orleans.Monitor.Grains.Scaling;

/// <summary>The arithmetic of a scaling decision: the replica target within the bounds, the cooldown, the outcome names.</summary>
public static class ScalingPolicy
{
    public const string Scaled = "scaled";
    public const string BlockedMin = "blocked-min";
    public const string BlockedMax = "blocked-max";
    public const string BlockedCooldown = "blocked-cooldown";
    public const string Disabled = "disabled";
    public const string Failed = "failed";

    /// <summary>
    /// The replicas to set from <paramref name="current"/>: up adds <see cref="ScaleLimits.Step"/> but never above
    /// <see cref="ScaleLimits.Max"/>, down removes it but never below <see cref="ScaleLimits.Min"/>. A move in the asked
    /// direction only: a service already outside the bounds is left as it is, never moved the other way.
    /// </summary>
    /// <returns>The target; equal to <paramref name="current"/> when the bound leaves nothing to change.</returns>
    public static int Target(int current, ScaleDirection direction, ScaleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return direction == ScaleDirection.Up
            ? Math.Max(current, Math.Min(current + limits.Step, limits.Max))
            : Math.Min(current, Math.Max(current - limits.Step, limits.Min));
    }

    /// <summary>The outcome of a move the bounds refused: <see cref="BlockedMax"/> up, <see cref="BlockedMin"/> down.</summary>
    public static string Blocked(ScaleDirection direction) => direction == ScaleDirection.Up ? BlockedMax : BlockedMin;

    /// <summary>True while less than <paramref name="cooldown"/> has passed since the last applied change.</summary>
    public static bool InCooldown(DateTimeOffset? lastApplied, DateTimeOffset now, TimeSpan cooldown) =>
        lastApplied is { } last && now - last < cooldown;

    /// <summary>Why <paramref name="limits"/> cannot be used, or null: min at least 0, max at least min, step at least 1, cooldown not negative.</summary>
    public static string? Invalid(ScaleLimits? limits) => limits switch
    {
        null => "no scale limits",
        { Min: < 0 } => $"min must be at least 0, not {limits.Min}",
        _ when limits.Max < limits.Min => $"max ({limits.Max}) must be at least min ({limits.Min})",
        { Step: < 1 } => $"step must be at least 1, not {limits.Step}",
        _ when limits.Cooldown < TimeSpan.Zero => $"cooldown must not be negative, not {limits.Cooldown}",
        _ => null,
    };
}
