namespace Orleans.Monitor.Storage.Membership;

/// <summary>Cluster membership on PostgreSQL: leases renewed by heartbeats, judged by the database clock.</summary>
public sealed class MembershipOptions
{
    public const string SectionName = "Membership";

    /// <summary>Several clusters may share one database; rows and notifications are scoped by this id.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>This silo's stable name (pod or host name). Defaults to the machine name.</summary>
    public string SiloId { get; set; } = Environment.MachineName;

    /// <summary>The Docker daemon ID (<c>/info</c> <c>ID</c>) this silo watches; one live silo per value.</summary>
    public string DockerHostId { get; set; } = "";

    /// <summary>Where the Api reaches this silo, e.g. <c>http://10.0.0.5:8080</c>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The silo's version, shown in the membership list.</summary>
    public string Version { get; set; } = typeof(MembershipOptions).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>How often a silo renews its lease (and runs a reaper round).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a renewed lease lasts; at least two heartbeats, so one slow round-trip is not fatal.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a listener re-reads the table even without notifications (they are lost while disconnected).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether the silo agent also runs the reaper; rounds are serialized by an advisory lock.</summary>
    public bool RunReaper { get; set; } = true;

    /// <summary>The first invalid cluster-wide setting, named by its configuration key, or null.</summary>
    internal string? ValidateCluster() =>
        string.IsNullOrWhiteSpace(ClusterId) ? $"{SectionName}:{nameof(ClusterId)} must be set."
        : HeartbeatInterval <= TimeSpan.Zero ? $"{SectionName}:{nameof(HeartbeatInterval)} must be positive."
        : LeaseDuration < 2 * HeartbeatInterval ? $"{SectionName}:{nameof(LeaseDuration)} ({LeaseDuration}) must be at least twice {nameof(HeartbeatInterval)} ({HeartbeatInterval})."
        : RefreshInterval <= TimeSpan.Zero ? $"{SectionName}:{nameof(RefreshInterval)} must be positive."
        : null;

    /// <summary>The first invalid setting a joining silo needs, or null.</summary>
    internal string? ValidateSilo() =>
        ValidateCluster()
        ?? (string.IsNullOrWhiteSpace(SiloId) ? $"{SectionName}:{nameof(SiloId)} must be set."
        : string.IsNullOrWhiteSpace(DockerHostId) ? $"{SectionName}:{nameof(DockerHostId)} must be set (the Docker daemon ID)."
        : string.IsNullOrWhiteSpace(Endpoint) ? $"{SectionName}:{nameof(Endpoint)} must be set."
        : null);
}
