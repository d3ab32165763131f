namespace Orleans.Monitor.Grains.Runtime;

/// <summary>The silo-local activation table: references, diagnostics, collection and shutdown.</summary>
public interface IGrainRuntime : IGrainFactory
{
    /// <summary>Activations currently in the table, whatever their state.</summary>
    int ActivationCount { get; }

    /// <summary>A snapshot of the activation table, for diagnostics and tests.</summary>
    IReadOnlyList<GrainActivationInfo> GetActivations();

    /// <summary>
    /// Asks the activation of a grain, if any, to deactivate once its current turn ends; queued calls move to a
    /// new activation. Orleans offers the same through its grain management extension.
    /// </summary>
    /// <returns><see langword="true"/> when an activation existed and was asked to deactivate.</returns>
    bool DeactivateOnIdle<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;

    /// <summary>One pass of the idle collector; the runtime also runs it every collection quantum.</summary>
    Task CollectIdleActivationsAsync(CancellationToken cancellationToken);

    /// <summary>Deactivates every activation with <see cref="DeactivationReasonCode.ShuttingDown"/> and waits for them.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>One row of the activation table.</summary>
/// <param name="GrainType">The implementation class name.</param>
/// <param name="TurnRunning">A call, tick or lifecycle step is running now.</param>
/// <param name="LastActivity">The last incoming call or keep-alive timer tick.</param>
public sealed record GrainActivationInfo(
    string GrainType,
    string Key,
    ActivationState State,
    int MailboxDepth,
    bool TurnRunning,
    DateTimeOffset LastActivity);

/// <summary>Where an activation is in its life.</summary>
public enum ActivationState
{
    Creating,
    Activating,
    Valid,
    Deactivating,
    Invalid,
}
