using Microsoft.Extensions.Logging;

namespace Orleans.Monitor.Grains.Runtime.Supervision;

/// <summary>
/// Supervision of one parent grain's children (Orleans has none). A faulted child is deactivated and started
/// again after the policy's backoff; a child whose target is gone stays stopped. Use it from the parent's turns
/// only, and call <see cref="RestartDueAsync"/> from a parent timer.
/// </summary>
/// <param name="startChild">Starts the child with the given key; the first call activates it. Throw <see cref="GrainTargetGoneException"/> when its target is gone.</param>
/// <param name="jitter">Samples in [0, 1] for full jitter; defaults to <see cref="Random.Shared"/>, tests pass a fixed one.</param>
public sealed class ChildSupervisor<TChild>(
    IGrainRuntime runtime,
    Func<string, TChild, CancellationToken, Task> startChild,
    SupervisionPolicy policy,
    TimeProvider timeProvider,
    ILogger logger,
    Func<double>? jitter = null)
    where TChild : IGrainWithStringKey
{
    private readonly Dictionary<string, ChildRecord> _children = new(StringComparer.Ordinal);
    private readonly Func<double> _jitter = jitter ?? Random.Shared.NextDouble;

    /// <summary>Keys of the supervised children, in any state.</summary>
    public IReadOnlyCollection<string> Children => _children.Keys;

    public ChildStatus GetStatus(string key) => _children.TryGetValue(key, out var child) ? child.Status : ChildStatus.Unknown;

    /// <summary>Consecutive failures counted for the child's current backoff.</summary>
    public int GetFailureCount(string key) => _children.TryGetValue(key, out var child) ? child.Failures : 0;

    /// <summary>When a backing-off child is due to start again.</summary>
    public DateTimeOffset? GetRestartDueAt(string key) =>
        _children.TryGetValue(key, out var child) && child.Status == ChildStatus.BackingOff ? child.RestartAt : null;

    /// <summary>
    /// Starts a child and supervises it. A failed start (including a failed activation) schedules a restart;
    /// a gone target marks it <see cref="ChildStatus.Gone"/>.
    /// </summary>
    public async Task<ChildStatus> StartAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var child = GetOrAdd(key);
        if (child.Status == ChildStatus.Gone)
        {
            return ChildStatus.Gone;
        }

        try
        {
            await startChild(key, runtime.GetGrain<TChild>(key), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any start failure is a child fault; one bad child must not fail the parent.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return RecordFault(key, child, ex);
        }

        child.Status = ChildStatus.Running;
        child.RunningSince = timeProvider.GetUtcNow();
        return ChildStatus.Running;
    }

    /// <summary>
    /// A child reports (or the parent detected) a fault. The child is asked to deactivate without waiting, since
    /// the report may come from inside the child's own turn.
    /// </summary>
    public ChildStatus ReportFault(string key, Exception fault)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fault);
        var child = GetOrAdd(key);
        if (child.Status is ChildStatus.Gone or ChildStatus.BackingOff)
        {
            // Already handled: a repeated report must not double the backoff.
            return child.Status;
        }

        runtime.DeactivateOnIdle<TChild>(key);
        return RecordFault(key, child, fault);
    }

    /// <summary>Starts every child whose backoff has elapsed; returns how many were started.</summary>
    public async Task<int> RestartDueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var due = _children
            .Where(c => c.Value.Status == ChildStatus.BackingOff && c.Value.RestartAt <= now)
            .Select(static c => c.Key)
            .ToList();
        var started = 0;
        foreach (var key in due)
        {
            logger.LogChildRestarting(key, _children[key].Failures);
            if (await StartAsync(key, cancellationToken) == ChildStatus.Running)
            {
                started++;
            }
        }

        return started;
    }

    /// <summary>Stops supervising a child and asks it to deactivate.</summary>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        runtime.DeactivateOnIdle<TChild>(key);
        return _children.Remove(key);
    }

    private ChildRecord GetOrAdd(string key)
    {
        if (!_children.TryGetValue(key, out var child))
        {
            child = new ChildRecord();
            _children.Add(key, child);
        }

        return child;
    }

    private ChildStatus RecordFault(string key, ChildRecord child, Exception fault)
    {
        if (policy.IsGone(fault))
        {
            runtime.DeactivateOnIdle<TChild>(key);
            child.Status = ChildStatus.Gone;
            logger.LogChildGone(key, fault.Message);
            return ChildStatus.Gone;
        }

        var now = timeProvider.GetUtcNow();
        if (child.RunningSince is { } since && now - since >= policy.StablePeriod)
        {
            child.Failures = 0;
        }

        child.Failures++;
        child.RunningSince = null;
        var delay = policy.GetDelay(child.Failures, Math.Clamp(_jitter(), 0d, 1d));
        child.RestartAt = now + delay;
        child.Status = ChildStatus.BackingOff;
        logger.LogChildRestartScheduled(fault, key, child.Failures, delay);
        return ChildStatus.BackingOff;
    }

    private sealed class ChildRecord
    {
        public ChildStatus Status { get; set; } = ChildStatus.Unknown;

        public int Failures { get; set; }

        public DateTimeOffset? RunningSince { get; set; }

        public DateTimeOffset RestartAt { get; set; }
    }
}

/// <summary>What a supervisor knows of a child.</summary>
public enum ChildStatus
{
    /// <summary>Not supervised.</summary>
    Unknown,

    /// <summary>Started and not faulted since.</summary>
    Running,

    /// <summary>Faulted; waiting for its restart time.</summary>
    BackingOff,

    /// <summary>Its target no longer exists; never restarted.</summary>
    Gone,
}

/// <summary>Log messages of <see cref="ChildSupervisor{TChild}"/>.</summary>
internal static partial class ChildSupervisorLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Child {ChildKey} faulted ({Failures} in a row); restarting in {Delay}")]
    public static partial void LogChildRestartScheduled(this ILogger logger, Exception exception, string childKey, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Child {ChildKey} is gone ({Reason}); not restarting it")]
    public static partial void LogChildGone(this ILogger logger, string childKey, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Restarting child {ChildKey} after {Failures} failures")]
    public static partial void LogChildRestarting(this ILogger logger, string childKey, int failures);
}
