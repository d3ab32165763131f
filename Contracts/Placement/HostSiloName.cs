namespace Orleans.Monitor.Contracts.Placement;

/// <summary>
/// A silo declares the Docker daemon it watches in its Orleans silo name (kept in the membership table):
/// <c>docker-{daemon ID}</c>. Placement and the Api read it back from membership.
/// </summary>
public static class HostSiloName
{
    public const string Prefix = "docker-";

    public static string For(string hostId) => Prefix + hostId;

    /// <summary>The daemon ID a silo name declares, or null for a silo that watches no daemon.</summary>
    public static string? HostIdOf(string? siloName) =>
        siloName is not null && siloName.StartsWith(Prefix, StringComparison.Ordinal) && siloName.Length > Prefix.Length
            ? siloName[Prefix.Length..]
            : null;
}
