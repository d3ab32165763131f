namespace Orleans.Monitor.Grains.Scaling;

/// <summary>The <c>Autoscale</c> section: whether the monitor may change Swarm services at all.</summary>
public sealed class AutoscaleOptions
{
    public const string Section = "Autoscale";

    /// <summary>The configuration key of <see cref="Enabled"/>.</summary>
    public const string EnabledKey = "Autoscale:Enabled";

    /// <summary>
    /// <c>Autoscale:Enabled</c>: false (the default) keeps the monitor read-only against Docker; scaling decisions are
    /// then recorded as <c>disabled</c> and no service update is sent.
    /// </summary>
    public bool Enabled { get; set; }
}
