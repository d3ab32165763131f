namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Overrides the idle collection age for one grain class, or keeps it active for good.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class CollectionAgeLimitAttribute : Attribute
{
    public double Days { get; init; }

    public double Hours { get; init; }

    public double Minutes { get; init; }

    /// <summary>Never collect activations of this class while the runtime runs.</summary>
    public bool AlwaysActive { get; init; }

    /// <summary>The age limit, or <see cref="Timeout.InfiniteTimeSpan"/> when <see cref="AlwaysActive"/>.</summary>
    public TimeSpan AgeLimit => AlwaysActive
        ? Timeout.InfiniteTimeSpan
        : TimeSpan.FromDays(Days) + TimeSpan.FromHours(Hours) + TimeSpan.FromMinutes(Minutes);
}
