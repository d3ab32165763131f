namespace Orleans.Monitor.Grains.Runtime;

/// <summary>How a grain timer runs; the same fields as Orleans' <c>GrainTimerCreationOptions</c>.</summary>
public readonly record struct GrainTimerCreationOptions
{
    public GrainTimerCreationOptions(TimeSpan dueTime, TimeSpan period)
    {
        DueTime = dueTime;
        Period = period;
    }

    /// <summary>Delay before the first tick; <see cref="Timeout.InfiniteTimeSpan"/> waits for <see cref="IGrainTimer.Change"/>.</summary>
    public TimeSpan DueTime { get; init; }

    /// <summary>Delay from the end of one tick to the start of the next; <see cref="Timeout.InfiniteTimeSpan"/> ticks once.</summary>
    public TimeSpan Period { get; init; }

    /// <summary>Run ticks alongside calls instead of as turns of their own.</summary>
    public bool Interleave { get; init; }

    /// <summary>A tick counts as activity, so a ticking grain is never collected as idle.</summary>
    public bool KeepAlive { get; init; }

    internal static void Validate(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be zero or more, or infinite.");
        }

        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive, or infinite.");
        }
    }
}

/// <summary>A registered grain timer; disposing it cancels the token its running tick received.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Reschedules the timer: the next tick after <paramref name="dueTime"/>, then every <paramref name="period"/>.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
