using Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.Grains.Stats;

/// <summary>
/// Where a container's counters come from. The Docker stats API and cgroup files both implement it; nothing
/// source-specific (API JSON, file paths) leaks past it.
/// </summary>
public interface IStatsSource
{
    /// <summary>A short stable name shown in host facts and logs: <c>docker-api</c> or <c>cgroup</c>.</summary>
    string Name { get; }

    /// <summary>Opens a reader for one running container; cheap, no I/O until the first read.</summary>
    IContainerStatsReader CreateReader(ContainerTarget target);
}

/// <summary>Reads one container's counters; one reader per running container, disposed when it stops.</summary>
public interface IContainerStatsReader : IAsyncDisposable
{
    /// <summary>
    /// Returns the newest counters not yet returned. A container that stopped or vanished between list and
    /// read yields <see cref="ReadingStatus.NotRunning"/> or <see cref="ReadingStatus.Gone"/>, never an exception.
    /// </summary>
    ValueTask<StatsReadResult> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Outcome of one read.</summary>
public enum ReadingStatus
{
    /// <summary>Counters were read.</summary>
    Ok,

    /// <summary>No new counters since the previous read (e.g. the daemon's 1 s tick has not come yet).</summary>
    NoData,

    /// <summary>The container exists but is not running (zero frame, cgroup emptied).</summary>
    NotRunning,

    /// <summary>The container or its cgroup no longer exists.</summary>
    Gone,
}

/// <summary>A read's status and, when <see cref="ReadingStatus.Ok"/>, its counters.</summary>
public readonly record struct StatsReadResult(ReadingStatus Status, CounterReading Reading)
{
    public static StatsReadResult Of(in CounterReading reading) => new(ReadingStatus.Ok, reading);

    public static StatsReadResult WithStatus(ReadingStatus status) => new(status, default);
}
