using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// What a container became after an event. Inspect is the truth while Docker still knows the container; the event's
/// own facts stand in when it does not (a short-lived <c>--rm</c> container is gone before anyone looks), and only
/// events tell the last exit code of a restarted container and an OOM kill that left the main process alive.
/// </summary>
internal static class ContainerLifecycle
{
    /// <summary>A container known only from an event: name, image and labels from the event's attributes.</summary>
    public static ContainerInfo FromEvent(ContainerEvent containerEvent)
    {
        var labels = containerEvent.Labels();
        return new ContainerInfo(
            containerEvent.ContainerId,
            containerEvent.HostId,
            containerEvent.Name ?? string.Empty,
            containerEvent.Image ?? string.Empty,
            labels,
            labels.GetValueOrDefault(DockerMapper.ComposeProjectLabel),
            labels.GetValueOrDefault(DockerMapper.ComposeServiceLabel),
            ContainerState.Created,
            Health: null,
            Created: containerEvent.Time,
            StartedAt: null,
            FinishedAt: null,
            ExitCode: null,
            OomKilled: false,
            Removed: false);
    }

    /// <summary>The container after <paramref name="containerEvent"/>, from the event alone (inspect could not answer).</summary>
    public static ContainerInfo Apply(ContainerInfo info, ContainerEvent containerEvent) => containerEvent.Action switch
    {
        ContainerEventActions.Start or ContainerEventActions.Restart =>
            info with { State = ContainerState.Running, StartedAt = containerEvent.Time, ExitCode = null, OomKilled = false },
        ContainerEventActions.Die => info with
        {
            State = ContainerState.Exited,
            FinishedAt = containerEvent.Time,
            ExitCode = containerEvent.ExitCode ?? info.ExitCode,
            LastExitCode = containerEvent.ExitCode ?? info.LastExitCode,
        },
        ContainerEventActions.Oom => info with { OomKilled = true, OomEvents = info.OomEvents + 1 },
        ContainerEventActions.Pause => info with { State = ContainerState.Paused },
        ContainerEventActions.Unpause => info with { State = ContainerState.Running },
        ContainerEventActions.Rename => info with { Name = containerEvent.Name ?? info.Name },
        ContainerEventActions.HealthStatus => info with { Health = containerEvent.Health ?? info.Health },
        _ => info,
    };

    /// <summary>
    /// The inspected container plus what only events tell: the last exit code (inspect says 0 once a restarted
    /// container runs again), an OOM kill during the current run (inspect of a running container says false) and
    /// how many <c>oom</c> events were seen.
    /// </summary>
    /// <param name="known">The container as the host knew it before, if at all.</param>
    /// <param name="containerEvent">The event that led to this inspect, or null for a listing.</param>
    public static ContainerInfo Merge(ContainerInfo? known, ContainerInfo inspected, ContainerEvent? containerEvent)
    {
        var lastExitCode = inspected.LastExitCode
            ?? (containerEvent?.Action == ContainerEventActions.Die ? containerEvent.ExitCode : null)
            ?? known?.LastExitCode;
        var sameRun = known?.StartedAt is not null && known.StartedAt == inspected.StartedAt;
        var oomKilled = inspected.OomKilled
            || containerEvent?.Action == ContainerEventActions.Oom
            || (sameRun && known!.OomKilled);
        var oomEvents = (known?.OomEvents ?? 0) + (containerEvent?.Action == ContainerEventActions.Oom ? 1 : 0);
        return inspected.LastExitCode == lastExitCode && inspected.OomKilled == oomKilled && inspected.OomEvents == oomEvents
            ? inspected
            : inspected with { LastExitCode = lastExitCode, OomKilled = oomKilled, OomEvents = oomEvents };
    }
}
