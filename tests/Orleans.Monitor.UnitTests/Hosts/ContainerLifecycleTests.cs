using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Grains.Hosts;

namespace Orleans.Monitor.UnitTests.Hosts;

public sealed class ContainerLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Apply_ShortLivedContainerFromEventsAlone_EndsExitedWithItsCode()
    {
        var create = Event(ContainerEventActions.Create, 0) with
        {
            Attributes = new Dictionary<string, string>
            {
                ["name"] = "job", ["image"] = "busybox:local", ["com.docker.compose.project"] = "shop", ["com.docker.compose.service"] = "worker",
            },
        };

        var info = ContainerLifecycle.FromEvent(create);
        foreach (var next in new[] { Event(ContainerEventActions.Start, 1), Event(ContainerEventActions.Die, 2) with { ExitCode = 117 } })
        {
            info = ContainerLifecycle.Apply(info, next);
        }

        Assert.Equal(("job", "busybox:local", "shop", "worker"), (info.Name, info.Image, info.ComposeProject, info.ComposeService));
        Assert.Equal(["com.docker.compose.project", "com.docker.compose.service"], info.Labels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((ContainerState.Exited, (int?)117, (int?)117), (info.State, info.ExitCode, info.LastExitCode));
        Assert.Equal((Time(0), Time(1), Time(2)), (info.Created, info.StartedAt, info.FinishedAt));
    }

    [Theory]
    [InlineData(ContainerEventActions.Pause, ContainerState.Paused)]
    [InlineData(ContainerEventActions.Unpause, ContainerState.Running)]
    [InlineData(ContainerEventActions.Kill, ContainerState.Running)]
    public void Apply_StateEvents_ChangeTheState(string action, string state) =>
        Assert.Equal(state, ContainerLifecycle.Apply(Running(), Event(action, 5)).State);

    [Fact]
    public void Apply_RenameHealthAndOom_KeepTheEventsFacts()
    {
        var info = ContainerLifecycle.Apply(Running(), Event(ContainerEventActions.Rename, 5) with { Name = "renamed" });
        info = ContainerLifecycle.Apply(info, Event(ContainerEventActions.HealthStatus, 6) with { Health = "unhealthy" });
        info = ContainerLifecycle.Apply(info, Event(ContainerEventActions.Oom, 7));

        Assert.Equal(("renamed", "unhealthy", true, ContainerState.Running), (info.Name, info.Health, info.OomKilled, info.State));
    }

    [Fact]
    public void Merge_OomEventsThenInspectsAndListings_CountsEachOomOnce()
    {
        // Two OOM kills: one inspected after its event, one known only from the event; then a listing re-inspects.
        var first = ContainerLifecycle.Merge(Running(), Running(), Event(ContainerEventActions.Oom, 5));
        var second = ContainerLifecycle.Apply(first, Event(ContainerEventActions.Oom, 6));
        var listed = ContainerLifecycle.Merge(second, Running(), null);
        var died = ContainerLifecycle.Merge(listed, Running(), Event(ContainerEventActions.Die, 7) with { ExitCode = 137 });

        Assert.Equal((1, 2, 2, 2), (first.OomEvents, second.OomEvents, listed.OomEvents, died.OomEvents));
    }

    [Fact]
    public void Merge_RestartedContainerRunsAgain_KeepsTheDiesExitCode()
    {
        var restarted = Running(startedAt: 10) with { RestartCount = 4 };

        var afterDie = ContainerLifecycle.Merge(Running(), restarted, Event(ContainerEventActions.Die, 9) with { ExitCode = 3 });
        var afterStart = ContainerLifecycle.Merge(afterDie, restarted, Event(ContainerEventActions.Start, 10));
        var listed = ContainerLifecycle.Merge(afterStart, restarted, null);

        Assert.All([afterDie, afterStart, listed], i => Assert.Equal((4, (int?)3, (int?)null), (i.RestartCount, i.LastExitCode, i.ExitCode)));
    }

    [Fact]
    public void Merge_InspectHasAnExitCode_ItWins()
    {
        var exited = Running() with { State = ContainerState.Exited, ExitCode = 137, LastExitCode = 137 };

        var merged = ContainerLifecycle.Merge(Running() with { LastExitCode = 3 }, exited, Event(ContainerEventActions.Die, 9) with { ExitCode = 5 });

        Assert.Equal(137, merged.LastExitCode);
    }

    [Fact]
    public void Merge_OomWhileRunning_KeptUntilTheNextStart()
    {
        var running = Running();

        var oom = ContainerLifecycle.Merge(running, running, Event(ContainerEventActions.Oom, 5));
        var sameRun = ContainerLifecycle.Merge(oom, running, Event(ContainerEventActions.Kill, 6));
        var nextRun = ContainerLifecycle.Merge(sameRun, Running(startedAt: 20), Event(ContainerEventActions.Start, 20));

        Assert.Equal((true, true, false), (oom.OomKilled, sameRun.OomKilled, nextRun.OomKilled));
    }

    private static DateTimeOffset Time(int second) => T0.AddSeconds(second);

    private static ContainerEvent Event(string action, int second) => new(
        "c1", "h", action, ContainerEvent.ToUnixNanoseconds(Time(second)), "job", "busybox:local", null, null, null,
        new Dictionary<string, string> { ["name"] = "job", ["image"] = "busybox:local" });

    private static ContainerInfo Running(int startedAt = 1) => new(
        "c1", "h", "job", "busybox:local", new Dictionary<string, string>(), null, null, ContainerState.Running, null,
        Time(0), Time(startedAt), null, null, false, false);
}
