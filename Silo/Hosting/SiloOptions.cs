namespace Orleans.Monitor.Silo.Hosting;

/// <summary>Settings of a silo process, bound from the <c>Silo</c> section.</summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    /// <summary>
    /// The base URL Api instances use to reach this silo's live stream, e.g. <c>http://10.0.0.5:5100</c>. Default: the
    /// address the silo listens on, with a wildcard host replaced by this machine's host name.
    /// </summary>
    public string? AdvertisedUrl { get; set; }
}
