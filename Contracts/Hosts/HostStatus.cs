namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>The wire values of a host's liveness, a public contract of <c>GET /api/hosts</c>.</summary>
public static class HostStatus
{
    /// <summary>The host's silo is an active cluster member and its Docker daemon answers.</summary>
    public const string Up = "up";

    /// <summary>Orleans membership declared the host's silo dead (killed, hung) or it left the cluster.</summary>
    public const string Down = "down";

    /// <summary>The silo is alive but cannot reach its Docker daemon, or the Api cannot reach the silo.</summary>
    public const string Unreachable = "unreachable";
}
