using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Grains.Containers;

/// <summary>How container grains sample, bound from the <c>Sampling</c> section.</summary>
public sealed class SamplingOptions
{
    public const string Section = "Sampling";

    /// <summary>Time between the end of one sample and the start of the next.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much of the 1-second history each container keeps in memory.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failed samples after which the grain reports itself faulted to its host for a restart.</summary>
    [Range(1, 100)]
    public int FailuresBeforeRestart { get; set; } = 3;

    internal int WindowSlots => (int)Math.Ceiling(Window / Interval);
}
