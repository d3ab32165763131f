using Microsoft.Extensions.Logging;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>The runtime's log messages.</summary>
internal static partial class GrainRuntimeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Activated {GrainType}/{GrainKey}")]
    public static partial void LogActivated(this ILogger logger, string grainType, string grainKey);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Activation of {GrainType}/{GrainKey} failed")]
    public static partial void LogActivationFailed(this ILogger logger, Exception exception, string grainType, string grainKey);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Deactivated {GrainType}/{GrainKey} ({Reason})")]
    public static partial void LogDeactivated(this ILogger logger, string grainType, string grainKey, DeactivationReasonCode reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainType}/{GrainKey} failed")]
    public static partial void LogDeactivationFailed(this ILogger logger, Exception exception, string grainType, string grainKey);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Timer tick of {GrainType}/{GrainKey} failed")]
    public static partial void LogTimerTickFailed(this ILogger logger, Exception exception, string grainType, string grainKey);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Mailbox of {GrainType}/{GrainKey} stayed full ({Capacity} items) for {CallTimeout}")]
    public static partial void LogMailboxOverloaded(this ILogger logger, string grainType, string grainKey, int capacity, TimeSpan callTimeout);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Call to {GrainType}/{GrainKey} raced with deactivation; forwarding it to a new activation")]
    public static partial void LogCallForwarded(this ILogger logger, string grainType, string grainKey);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Collected {Count} idle activations")]
    public static partial void LogCollected(this ILogger logger, int count);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Idle collection pass failed")]
    public static partial void LogCollectionFailed(this ILogger logger, Exception exception);
}
