namespace Orleans.Monitor.Storage.Retention;

/// <summary>How long minute and hour rows are kept and how the rollup and retention pass runs (section <c>Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>How long minute rows are kept (<c>Retention:Minutes</c>, default 14 days).</summary>
    public TimeSpan Minutes { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long hourly rollups are kept (<c>Retention:Hours</c>, default 400 days).</summary>
    public TimeSpan Hours { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Period of the pass (<c>Retention:Interval</c>, default 5 minutes; at least 1 minute, the reminders' floor).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far back each pass looks for hours whose minute rows changed (<c>Retention:RollupLookback</c>, default 2
    /// days): minutes written late, after a database outage, are rolled into their hour again.
    /// </summary>
    public TimeSpan RollupLookback { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Most rows one delete statement removes (<c>Retention:BatchSize</c>, default 10,000), so no lock is held long.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>The first invalid setting, named by its configuration key, or null.</summary>
    internal string? Validate() =>
        Minutes < TimeSpan.FromHours(1) ? $"{SectionName}:{nameof(Minutes)} must be at least 1h."
        : Hours < Minutes ? $"{SectionName}:{nameof(Hours)} must be at least {SectionName}:{nameof(Minutes)}."
        : Interval < TimeSpan.FromMinutes(1) ? $"{SectionName}:{nameof(Interval)} must be at least 1m."
        : RollupLookback < TimeSpan.FromHours(1) ? $"{SectionName}:{nameof(RollupLookback)} must be at least 1h."
        : RollupLookback > Minutes ? $"{SectionName}:{nameof(RollupLookback)} must not exceed {SectionName}:{nameof(Minutes)}."
        : BatchSize < 1 ? $"{SectionName}:{nameof(BatchSize)} must be at least 1."
        : null;
}
