namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// What feeds a host grain its daemon's facts (the silo's daemon watcher). A host grain asks it for everything again
/// when it activates: Orleans can activate a host grain anew while its silo keeps running (after a directory partition
/// was lost with a dead silo), and a new activation knows neither the daemon nor its containers.
/// </summary>
public interface IHostResync
{
    /// <summary>Asks for the daemon's facts and a full container listing to be sent to the grain of <paramref name="hostId"/>; never blocks.</summary>
    void Resync(string hostId);
}
