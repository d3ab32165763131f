using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>How rules are evaluated, bound from the <c>Rules</c> section.</summary>
public sealed class RulesOptions
{
    public const string Section = "Rules";

    /// <summary>Time between two evaluations of every rule (each rule grain's timer period).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a rule waits for a host grain's windows before that host makes the result unknown.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HostTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How often every silo reads the stored rules and pings their grains (also at once when membership changes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeeperInterval { get; set; } = TimeSpan.FromSeconds(10);
}
