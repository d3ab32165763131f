namespace Orleans.Monitor.Grains.Runtime.Supervision;

/// <summary>
/// When a supervised child is restarted: exponential backoff with full jitter, a cap, and a failure count that
/// resets once the child ran stably; a child whose target is gone is never restarted.
/// </summary>
public sealed record SupervisionPolicy
{
    /// <summary>1 s base, ×2 per failure, 2 min cap, reset after 5 min of stable running.</summary>
    public static SupervisionPolicy Default { get; } = new();

    /// <summary>Backoff ceiling after the first failure.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Growth of the ceiling per consecutive failure.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The ceiling never grows past this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A child that ran this long before faulting starts its failure count afresh.</summary>
    public TimeSpan StablePeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Recognises "the target is gone" faults besides <see cref="GrainTargetGoneException"/> (e.g. an HTTP 404 of
    /// a removed container).
    /// </summary>
    public Func<Exception, bool>? IsTargetGone { get; init; }

    /// <summary>The upper bound of the delay after the <paramref name="failureCount"/>-th consecutive failure.</summary>
    public TimeSpan GetBackoffCeiling(int failureCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failureCount, 1);

        // Computed in double so a long failure streak saturates at the cap instead of overflowing.
        var ceiling = BaseDelay.TotalMilliseconds * Math.Pow(Multiplier, failureCount - 1);
        return ceiling >= MaxDelay.TotalMilliseconds ? MaxDelay : TimeSpan.FromMilliseconds(ceiling);
    }

    /// <summary>
    /// Full jitter: a uniform pick in [0, ceiling), so children that failed together do not restart together.
    /// </summary>
    /// <param name="jitterSample">A sample in [0, 1], the fraction of the ceiling to wait.</param>
    public TimeSpan GetDelay(int failureCount, double jitterSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jitterSample, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitterSample, 1d);
        return GetBackoffCeiling(failureCount) * jitterSample;
    }

    /// <summary>True when <paramref name="fault"/> means the child's target no longer exists.</summary>
    public bool IsGone(Exception fault) => fault is GrainTargetGoneException || IsTargetGone?.Invoke(fault) == true;
}
