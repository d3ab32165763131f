namespace Orleans.Monitor.Contracts.Containers;

/// <summary>
/// One lifecycle event of a container as the Docker daemon reported it on <c>GET /events</c>, kept with the
/// container: what happened, when, and the facts the event carries (exit code, signal, health status).
/// </summary>
/// <param name="Action">One of <see cref="ContainerEventActions.Recorded"/>: <c>create</c>, <c>start</c>, <c>die</c>, ...</param>
/// <param name="TimeNano">The daemon's <c>timeNano</c> (Unix nanoseconds); with the container and action, the event's identity.</param>
/// <param name="Name">The container's name at the event (the new one for <c>rename</c>).</param>
/// <param name="ExitCode">The <c>die</c> event's <c>exitCode</c>.</param>
/// <param name="Signal">The <c>kill</c> event's <c>signal</c> (a number, e.g. <c>15</c>).</param>
/// <param name="Health">The <c>health_status</c> event's status: <c>healthy</c>, <c>unhealthy</c> or <c>starting</c>.</param>
/// <param name="Attributes">Every attribute of the event's actor as Docker sent it: image, name, the container's labels and the action's own.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerEvent(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] string HostId,
    [property: Id(2)] string Action,
    [property: Id(3)] long TimeNano,
    [property: Id(4)] string? Name,
    [property: Id(5)] string? Image,
    [property: Id(6)] int? ExitCode,
    [property: Id(7)] string? Signal,
    [property: Id(8)] string? Health,
    [property: Id(9)] IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>When it happened, to the tick (100 ns) of <see cref="TimeNano"/>.</summary>
    public DateTimeOffset Time => DateTimeOffset.UnixEpoch.AddTicks(TimeNano / TimeSpan.NanosecondsPerTick);

    /// <summary>The container's labels: the attributes Docker adds for the action itself left out.</summary>
    public IReadOnlyDictionary<string, string> Labels() =>
        Attributes.Where(a => !ContainerEventActions.OwnAttributes.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value);

    /// <summary>Unix nanoseconds of <paramref name="time"/>, saturated to the range of <see cref="long"/>.</summary>
    public static long ToUnixNanoseconds(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks > long.MaxValue / TimeSpan.NanosecondsPerTick ? long.MaxValue
            : ticks < long.MinValue / TimeSpan.NanosecondsPerTick ? long.MinValue
            : ticks * TimeSpan.NanosecondsPerTick;
    }
}

/// <summary>The container events the monitor records, and the attribute names Docker adds for an action rather than from labels.</summary>
public static class ContainerEventActions
{
    public const string Create = "create";
    public const string Start = "start";
    public const string Restart = "restart";
    public const string Die = "die";
    public const string Kill = "kill";
    public const string Oom = "oom";
    public const string Pause = "pause";
    public const string Unpause = "unpause";
    public const string Rename = "rename";
    public const string HealthStatus = "health_status";
    public const string Destroy = "destroy";

    /// <summary>Every action kept with the container and served by <c>GET /api/containers/{id}/events</c>.</summary>
    public static readonly IReadOnlySet<string> Recorded = new HashSet<string>(StringComparer.Ordinal)
    {
        Create, Start, Restart, Die, Kill, Oom, Pause, Unpause, Rename, HealthStatus, Destroy,
    };

    /// <summary>Attributes that are not the container's labels.</summary>
    public static readonly IReadOnlySet<string> OwnAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "name", "image", "exitCode", "execDuration", "signal", "oldName",
    };
}
