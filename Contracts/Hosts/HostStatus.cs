namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>The wire values of a host's liveness, a public contract of <c>GET /api/hosts</c>.</summary>
public static class HostStatus
{
    /// <summary>The silo is alive and its Docker daemon answers.</summary>
    public const string Up = "up";

    /// <summary>The silo watching the host is gone (lease expired or left).</summary>
    public const string Down = "down";

    /// <summary>The silo is alive but cannot reach the Docker daemon, or the Api cannot reach the silo.</summary>
    public const string Unreachable = "unreachable";
}
