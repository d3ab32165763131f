namespace Orleans.Monitor.Grains.Runtime;

/// <summary>Why an activation is going away, passed to <see cref="Grain.OnDeactivateAsync"/> as Orleans does.</summary>
public readonly record struct DeactivationReason(DeactivationReasonCode ReasonCode, string Description)
{
    public static DeactivationReason Idle { get; } = new(DeactivationReasonCode.ActivationIdle, "The activation was idle longer than its collection age.");

    public static DeactivationReason Requested { get; } = new(DeactivationReasonCode.ApplicationRequested, "Deactivation was requested.");

    public static DeactivationReason ShuttingDown { get; } = new(DeactivationReasonCode.ShuttingDown, "The runtime is shutting down.");
}

/// <summary>The kind of <see cref="DeactivationReason"/>; names follow Orleans' <c>DeactivationReasonCode</c>.</summary>
public enum DeactivationReasonCode
{
    None,
    ActivationIdle,
    ApplicationRequested,
    ShuttingDown,
}
