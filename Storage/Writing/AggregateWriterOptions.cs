namespace Orleans.Monitor.Storage.Writing;

/// <summary>How the batched writer flushes minute aggregates and how long it holds them through a store outage.</summary>
public sealed class AggregateWriterOptions
{
    public const string SectionName = "Storage:Writer";

    /// <summary>Longest time a queued row waits before a flush.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Rows per store call; reaching it also triggers a flush before <see cref="FlushInterval"/>.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>
    /// Rows kept while the store is failing; beyond it the oldest are dropped with a warning.
    /// The default holds about an hour of 200 containers (a minute row each), roughly 40 MB.
    /// </summary>
    public int MaxPendingAggregates { get; set; } = 200_000;

    /// <summary>Container events kept while the store is failing; beyond it the oldest are dropped with a warning.</summary>
    public int MaxPendingEvents { get; set; } = 100_000;

    /// <summary>First retry delay after a failed flush; doubles per failure up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first invalid setting, named by its configuration key, or null.</summary>
    internal string? Validate() =>
        FlushInterval <= TimeSpan.Zero ? $"{SectionName}:{nameof(FlushInterval)} must be positive."
        : MaxBatchSize < 1 ? $"{SectionName}:{nameof(MaxBatchSize)} must be at least 1."
        : MaxPendingAggregates < MaxBatchSize ? $"{SectionName}:{nameof(MaxPendingAggregates)} must be at least {nameof(MaxBatchSize)}."
        : MaxPendingEvents < MaxBatchSize ? $"{SectionName}:{nameof(MaxPendingEvents)} must be at least {nameof(MaxBatchSize)}."
        : RetryBaseDelay <= TimeSpan.Zero ? $"{SectionName}:{nameof(RetryBaseDelay)} must be positive."
        : RetryMaxDelay < RetryBaseDelay ? $"{SectionName}:{nameof(RetryMaxDelay)} must be at least {nameof(RetryBaseDelay)}."
        : null;
}
