using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Silo.Docker;

/// <summary>How a silo follows its Docker daemon, bound from the <c>Host</c> section.</summary>
public sealed class HostWatchOptions
{
    public const string Section = "Host";

    /// <summary>How often the container list is re-read to catch events the daemon dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before reconnecting to an unreachable daemon; grows exponentially with jitter up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(2);
}
