namespace Orleans.Monitor.Contracts.Placement;

/// <summary>
/// Grain keys that name their Docker host, so placement can put every grain on its host's silo: a host grain is
/// keyed by the daemon ID, a container grain by <c>{daemon ID}/{container id}</c> (daemon IDs never contain '/').
/// </summary>
public static class GrainKeys
{
    public static string Container(string hostId, string containerId) => hostId + "/" + containerId;

    /// <summary>The daemon ID at the start of a host or container grain key.</summary>
    public static string HostIdOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }
}
