using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Api;

/// <summary>Settings of the Api, bound from the <c>Api</c> section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>How far back history may be asked for (default 400 days, as long as hourly rollups are kept); older ranges get a 400.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Concurrent live streams one SignalR connection may hold.</summary>
    [Range(1, 64)]
    public int MaxStreamsPerConnection { get; set; } = 8;
}
