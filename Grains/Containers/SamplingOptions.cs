using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Grains.Containers;

/// <summary>How containers are sampled, bound from the <c>Sampling</c> section.</summary>
public sealed class SamplingOptions
{
    public const string Section = "Sampling";

    /// <summary>Time between two samples of every container of a host (the host grain's timer period).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much of the 1-second history each container keeps in memory.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failed reads after which a container grain deactivates; the next interval activates it afresh.</summary>
    [Range(1, 100)]
    public int FailuresBeforeRestart { get; set; } = 3;

    internal int WindowSlots => (int)Math.Ceiling(Window / Interval);
}
