namespace Orleans.Monitor.Storage;

/// <summary>Where the standalone store keeps its file and how start-up treats an unreachable database.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>The configuration key of the PostgreSQL connection string; when set, PostgreSQL replaces SQLite.</summary>
    public const string ConnectionStringKey = "ConnectionStrings:Monitor";

    /// <summary>
    /// Folder of <c>monitor.db</c> when no PostgreSQL connection string is set. Defaults to
    /// <c>$XDG_DATA_HOME/orleans-monitor</c>, else <c>./.data</c>.
    /// </summary>
    public string DataPath { get; set; } = DefaultDataPath();

    /// <summary>How long a SQLite statement waits for a lock held by another connection.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long start-up keeps retrying a database that is not reachable yet before it fails.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal static string DefaultDataPath()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(".", ".data")
            : Path.Combine(xdg, "orleans-monitor");
    }
}
