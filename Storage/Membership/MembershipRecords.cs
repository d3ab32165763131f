namespace Orleans.Monitor.Storage.Membership;

/// <summary>What a silo announces when it joins.</summary>
public sealed record SiloRegistration(string SiloId, string DockerHostId, string Endpoint, string Version, string HostName);

/// <summary>One silo row; <see cref="LeaseAlive"/> was computed with the database clock when it was read.</summary>
public sealed record SiloEntry(
    string SiloId,
    long Generation,
    string DockerHostId,
    string Endpoint,
    SiloStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset LeaseExpires,
    bool LeaseAlive,
    string? Version,
    string? HostName)
{
    /// <summary>
    /// Joining or active with an unexpired lease. The status alone is not enough: the reaper's outage guard
    /// may leave a dead silo marked active for a while.
    /// </summary>
    public bool IsAlive => Status is SiloStatus.Joining or SiloStatus.Active && LeaseAlive;
}

/// <summary>The membership table at one version, read in one go.</summary>
public sealed record MembershipSnapshot(long Version, DateTimeOffset DatabaseTime, IReadOnlyList<SiloEntry> Silos)
{
    public IEnumerable<SiloEntry> Alive => Silos.Where(s => s.IsAlive);
}

/// <summary>Why a reaper round did or did not reap.</summary>
public enum ReapOutcome
{
    /// <summary>The round ran; <see cref="ReapResult.Reaped"/> lists the silos it declared dead (maybe none).</summary>
    Completed,

    /// <summary>This reaper has not yet had a full lease period of successful database round-trips.</summary>
    WarmingUp,

    /// <summary>No live silo renewed its lease within a lease period: most likely the database was down, so nobody is reaped.</summary>
    SuspectedOutage,

    /// <summary>Another process holds the reaper lock for this round.</summary>
    OtherReaperActive,
}

/// <summary>The outcome of one reaper round.</summary>
public sealed record ReapResult(ReapOutcome Outcome, IReadOnlyList<(string SiloId, long Generation)> Reaped)
{
    public static ReapResult Skipped(ReapOutcome outcome) => new(outcome, []);
}
