using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Runtime.Supervision;

namespace Orleans.Monitor.UnitTests.Runtime;

public sealed class SupervisionPolicyTests
{
    [Fact]
    public void GetBackoffCeiling_ConsecutiveFailures_DoublesFromOneSecondUpToTwoMinutes()
    {
        var policy = SupervisionPolicy.Default;

        var ceilings = Enumerable.Range(1, 10).Select(policy.GetBackoffCeiling).Select(static t => t.TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 120, 120, 120], ceilings);
    }

    [Fact]
    public void GetBackoffCeiling_VeryLongStreak_StaysAtCap()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), SupervisionPolicy.Default.GetBackoffCeiling(10_000));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.5, 4)]
    [InlineData(1.0, 8)]
    public void GetDelay_JitterSample_ScalesCeilingFully(double sample, double expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), SupervisionPolicy.Default.GetDelay(4, sample));
    }

    [Fact]
    public void IsGone_TargetGoneOrCustomPredicate_True()
    {
        var policy = SupervisionPolicy.Default with { IsTargetGone = static ex => ex is KeyNotFoundException };

        Assert.True(policy.IsGone(new GrainTargetGoneException("removed")));
        Assert.True(policy.IsGone(new KeyNotFoundException()));
        Assert.False(policy.IsGone(new InvalidOperationException()));
    }
}

public sealed class ChildSupervisorTests
{
    private static readonly InvalidOperationException Fault = new("stats loop failed");

    [Fact]
    public async Task ReportFault_RepeatedFaults_BacksOffDoublingToCap()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        await supervisor.StartAsync("c1", CancellationToken.None);
        List<double> delays = [];

        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(ChildStatus.BackingOff, supervisor.ReportFault("c1", Fault));
            var due = supervisor.GetRestartDueAt("c1")!.Value;
            delays.Add((due - harness.Time.GetUtcNow()).TotalSeconds);
            harness.Time.SetUtcNow(due);
            Assert.Equal(1, await supervisor.RestartDueAsync(CancellationToken.None));
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 120, 120], delays);
    }

    [Fact]
    public async Task ReportFault_AfterStablePeriod_ResetsFailureCount()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        await supervisor.StartAsync("c1", CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            supervisor.ReportFault("c1", Fault);
            harness.Time.SetUtcNow(supervisor.GetRestartDueAt("c1")!.Value);
            await supervisor.RestartDueAsync(CancellationToken.None);
        }

        harness.Time.Advance(TimeSpan.FromMinutes(5));
        supervisor.ReportFault("c1", Fault);

        Assert.Equal(1, supervisor.GetFailureCount("c1"));
        Assert.Equal(harness.Time.GetUtcNow() + TimeSpan.FromSeconds(1), supervisor.GetRestartDueAt("c1"));
    }

    [Fact]
    public async Task RestartDueAsync_BeforeBackoffElapsed_DoesNotRestart()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        await supervisor.StartAsync("c1", CancellationToken.None);
        supervisor.ReportFault("c1", Fault);

        harness.Time.Advance(TimeSpan.FromMilliseconds(999));

        Assert.Equal(0, await supervisor.RestartDueAsync(CancellationToken.None));
        Assert.Equal(ChildStatus.BackingOff, supervisor.GetStatus("c1"));
    }

    [Fact]
    public async Task ReportFault_ChildActive_DeactivatesItAndRestartReactivates()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        await supervisor.StartAsync("c1", CancellationToken.None);

        supervisor.ReportFault("c1", Fault);
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the faulted child deactivated");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await supervisor.RestartDueAsync(CancellationToken.None);

        Assert.Equal(ChildStatus.Running, supervisor.GetStatus("c1"));
        Assert.Equal(2, harness.Probe.Activations["c1"]);
        Assert.Equal(1, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task StartAsync_ChildActivationFails_SchedulesRestartThatSucceeds()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        harness.Probe.FailNextActivations(1);

        Assert.Equal(ChildStatus.BackingOff, await supervisor.StartAsync("c1", CancellationToken.None));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the failed activation left the table");
        await supervisor.RestartDueAsync(CancellationToken.None);

        Assert.Equal(ChildStatus.Running, supervisor.GetStatus("c1"));
        Assert.Equal(2, harness.Probe.Activations["c1"]);
    }

    [Fact]
    public async Task ReportFault_TargetGone_ChildNotRestarted()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        await supervisor.StartAsync("c1", CancellationToken.None);

        Assert.Equal(ChildStatus.Gone, supervisor.ReportFault("c1", new GrainTargetGoneException("container removed")));
        await Eventually.HoldsAsync(() => harness.Runtime.ActivationCount == 0, "the gone child deactivated");
        harness.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await supervisor.RestartDueAsync(CancellationToken.None));
        Assert.Equal(ChildStatus.Gone, await supervisor.StartAsync("c1", CancellationToken.None));
        Assert.Equal(1, harness.Probe.Activations["c1"]);
        Assert.Equal(0, harness.Runtime.ActivationCount);
    }

    [Fact]
    public async Task StartAsync_ChildThrowsTargetGone_MarkedGone()
    {
        await using var harness = RuntimeHarness.Create();
        var supervisor = CreateSupervisor(harness);
        harness.Probe.GoneTargets["c1"] = true;

        Assert.Equal(ChildStatus.Gone, await supervisor.StartAsync("c1", CancellationToken.None));
        harness.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await supervisor.RestartDueAsync(CancellationToken.None));
        Assert.Null(supervisor.GetRestartDueAt("c1"));
    }

    // A jitter sample of 1 makes each delay equal to its ceiling, so the sequence is exact.
    private static ChildSupervisor<IChildGrain> CreateSupervisor(RuntimeHarness harness) =>
        new(
            harness.Runtime,
            static (_, child, ct) => child.StartAsync(ct),
            SupervisionPolicy.Default,
            harness.Time,
            NullLogger.Instance,
            jitter: static () => 1.0);
}
