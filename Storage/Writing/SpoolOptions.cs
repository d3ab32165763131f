namespace Orleans.Monitor.Storage.Writing;

/// <summary>The local spool of rows accepted but not yet written to the store (section <c>Storage:Spool</c>).</summary>
public sealed class SpoolOptions
{
    public const string SectionName = "Storage:Spool";

    /// <summary>Keep the spool (<c>Storage:Spool:Enabled</c>, default true). An Api in cluster mode writes no rows and keeps none.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The spool folder (<c>Storage:Spool:Path</c>); default <c>{Storage:DataPath}/spool</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Most rows (minute aggregates and container events) the spool keeps (<c>Storage:Spool:MaxRows</c>, default
    /// 200,000, about 100 MB); beyond it the oldest are dropped with a warning.
    /// </summary>
    public int MaxRows { get; set; } = 200_000;

    /// <summary>The first invalid setting, named by its configuration key, or null.</summary>
    internal string? Validate() =>
        MaxRows < 10 ? $"{SectionName}:{nameof(MaxRows)} must be at least 10."
        : Path is { Length: 0 } ? $"{SectionName}:{nameof(Path)} must not be empty."
        : null;
}
