namespace Orleans.Monitor.Contracts.Storage;

/// <summary>
/// The one per cluster (key 0) that rolls minute rows up into hours and applies retention, on a reminder in a cluster
/// and on the in-memory reminder service standalone.
/// </summary>
public interface IRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the reminder if it is not there yet; every silo calls it at start.</summary>
    Task EnsureScheduledAsync();

    /// <summary>Runs one pass now (the reminder does the same) and returns what it did.</summary>
    Task<RetentionPass> RunNowAsync();
}

/// <summary>What one retention pass did: hours rolled up, minute and hour rows removed.</summary>
[GenerateSerializer]
public sealed record RetentionPass(
    [property: Id(0)] int HoursRolledUp,
    [property: Id(1)] long MinuteRowsRemoved,
    [property: Id(2)] long HourRowsRemoved);
