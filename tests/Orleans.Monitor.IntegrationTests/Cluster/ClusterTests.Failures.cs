using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>A silo killed, frozen or terminated: Orleans membership declares it, the Apis follow, the other hosts go on.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(4)]
    public Task KilledSilo_HostDownOthersKeepStreaming_RestartedWithNewGeneration() => RunAsync(async () =>
    {
        var victim = cluster.Hosts[1];
        var others = cluster.Hosts.Where(h => h != victim).ToList();
        await WaitAllHostsUpAsync();
        var oldGeneration = Assert.Single((await ClusterFixture.GetClusterAsync(Api1)).Silos, s => s.HostId == victim.HostId && s.Status == "active").Generation;
        await using var live1 = await ClusterFixture.WatchAllAsync(Api1);
        await using var live2 = await ClusterFixture.WatchAllAsync(Api2);

        await victim.Silo!.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        foreach (var api in cluster.Apis)
        {
            var down = await WaitHostStatusAsync(api, victim, HostStatus.Down);
            Report($"SIGKILL -> {victim} down on {api.Process.Name}: {Seconds(DateTimeOffset.UtcNow - killedAt)}");
            Assert.NotNull(down.LastSeen);
            Assert.True(down.LastSeen <= killedAt, $"lastSeen {down.LastSeen:HH:mm:ss.fff} is after the kill at {killedAt:HH:mm:ss.fff}");
        }

        // The other hosts streamed all along, also after the victim was declared dead.
        var detectedAt = DateTimeOffset.UtcNow;
        foreach (var recorder in new[] { live1, live2 })
        {
            await cluster.UntilAsync(
                () => Task.FromResult(others.All(h => recorder.Of(h.HostId, detectedAt.AddSeconds(2), DateTimeOffset.MaxValue).Count > 0)),
                Deadline,
                $"frames of the other hosts on {recorder.Api} after the detection");
            Assert.Null(recorder.Error);
            AssertFramesFlowed(recorder, others, killedAt, DateTimeOffset.UtcNow);
        }

        // Restarted on the same ports, as a supervisor would: up again as a new generation of the same host.
        var restartedAt = DateTimeOffset.UtcNow;
        cluster.StartSilo(victim);
        await WaitAllHostsUpAsync();
        victim.UpSince = DateTimeOffset.UtcNow;
        Report($"restart after SIGKILL -> {victim} up on both Apis: {Seconds(victim.UpSince - restartedAt)} after the process started");

        var silos = (await ClusterFixture.GetClusterAsync(Api1)).Silos.Where(s => s.HostId == victim.HostId).ToList();
        var current = Assert.Single(silos, s => s.Status == "active");
        Assert.True(current.Generation > oldGeneration, $"generation {current.Generation} after {oldGeneration}");
        Assert.Equal("dead", Assert.Single(silos, s => s.Generation == oldGeneration).Status);
    });

    [Fact, Step(5)]
    public Task FrozenSilo_HostDownOthersAnswerThroughout_ThawedSiloEndsItself() => RunAsync(async () =>
    {
        var victim = cluster.Hosts[2];
        var others = cluster.Hosts.Where(h => h != victim).ToList();
        await WaitAllHostsUpAsync();
        await using var live1 = await ClusterFixture.WatchAllAsync(Api1);
        await using var live2 = await ClusterFixture.WatchAllAsync(Api2);
        var targets = cluster.Apis
            .SelectMany(api => others.SelectMany(h => new[] { (api, $"/api/hosts/{h.HostId}"), (api, $"/api/containers/{h.Containers[0]}/live?seconds=10") }))
            .ToList();
        var probe = new RestProbe(targets, RestProbe.HostStatusIsNot(HostStatus.Down));
        DateTimeOffset stoppedAt, declaredDown, restartedAt;
        try
        {
            await victim.Silo!.SignalAsync("STOP");
            stoppedAt = DateTimeOffset.UtcNow;
            foreach (var api in cluster.Apis)
            {
                await WaitHostStatusAsync(api, victim, HostStatus.Down);
                Report($"SIGSTOP -> {victim} down on {api.Process.Name}: {Seconds(DateTimeOffset.UtcNow - stoppedAt)}");
            }

            declaredDown = DateTimeOffset.UtcNow;

            // Thawed, the silo hears it was declared dead and ends itself (Orleans fails fast), even though nobody stops it.
            var thawedAt = DateTimeOffset.UtcNow;
            await victim.Silo.SignalAsync("CONT");
            var exitCode = await victim.Silo.WaitForExitAsync(Deadline);
            Report($"SIGCONT -> the frozen silo exited by itself with code {exitCode} after {Seconds(DateTimeOffset.UtcNow - thawedAt)}");
            Assert.NotEqual(0, exitCode);

            restartedAt = DateTimeOffset.UtcNow;
            cluster.StartSilo(victim);
            await WaitAllHostsUpAsync();
            victim.UpSince = DateTimeOffset.UtcNow;
            Report($"restart after SIGSTOP -> {victim} up on both Apis: {Seconds(victim.UpSince - restartedAt)} after the process started");
        }
        finally
        {
            await probe.DisposeAsync();
        }

        Report($"REST for the other hosts during the freeze: {probe.Calls} calls, slowest {Seconds(probe.Slowest)}, {probe.Failures.Count} not 200 or down; "
            + string.Join(", ", new[] { live1, live2 }.Select(r => $"{r.Api} showed them unreachable in {others.Sum(h => r.Of(h.HostId, stoppedAt, restartedAt).Count(f => f.Frame.Status == HostStatus.Unreachable))} frames")));
        Assert.True(probe.Failures.Count == 0, string.Join('\n', probe.Failures));
        foreach (var recorder in new[] { live1, live2 })
        {
            Assert.Null(recorder.Error);

            // Never down while frozen. Frames Orleans routes to an Api through the frozen silo's gateway may pause until
            // that silo is declared dead (README: a hung silo); from then on they flow again.
            Assert.All(
                others.SelectMany(h => recorder.Of(h.HostId, stoppedAt, restartedAt)),
                f => Assert.True(f.Frame.Status != HostStatus.Down, $"{f.Frame.HostId} shown down on {recorder.Api} at {f.Arrived:HH:mm:ss.f} while another silo was frozen"));
            AssertFramesFlowed(recorder, others, declaredDown, victim.UpSince, unreachableAllowed: true);

            // Once shown down, the host stays down until its new silo starts: the thawed silo's last frames do not count.
            var victimFrames = recorder.Of(victim.HostId, stoppedAt, restartedAt);
            var firstDown = victimFrames.FirstOrDefault(f => f.Frame.Status == HostStatus.Down)
                ?? throw new InvalidOperationException($"no down frame of {victim} on {recorder.Api}");
            Assert.All(
                victimFrames.Where(f => f.Arrived > firstDown.Arrived),
                f => Assert.True(f.Frame.Status != HostStatus.Up, $"{victim} shown up again on {recorder.Api} at {f.Arrived:HH:mm:ss.f} before its restart"));
        }
    });

    [Fact, Step(8)]
    public Task TerminatedSilo_LeavesClusterCleanly_DeadBeforeItExitsWithZero() => RunAsync(async () =>
    {
        var victim = cluster.Hosts[1];
        await WaitAllHostsUpAsync();
        var row = Assert.Single(await cluster.ReadMembershipAsync(), r => r.SiloName == $"docker-{victim.HostId}" && r.Status == MembershipRow.Active);

        await victim.Silo!.SignalAsync("TERM");
        var terminatedAt = DateTimeOffset.UtcNow;
        var statuses = new List<int>();
        while (!victim.Silo.HasExited && DateTimeOffset.UtcNow - terminatedAt < Deadline)
        {
            statuses.Add(Assert.Single(await cluster.ReadMembershipAsync(), r => r.Silo == row.Silo).Status);
        }

        var exitCode = await victim.Silo.WaitForExitAsync(Deadline);
        var exitedAt = DateTimeOffset.UtcNow;

        // Read the moment it is gone: a silo that left wrote its own row Dead on the way out (through shutting down,
        // 4, and stopping, 5). A silo that just vanished stays active until the others vote, seconds later.
        var left = Assert.Single(await cluster.ReadMembershipAsync(), r => r.Silo == row.Silo);
        Report($"SIGTERM -> {victim}'s row went through {string.Join(" -> ", statuses.Distinct())} -> {left.Status} before the process exited");
        Assert.Equal(0, exitCode);
        Assert.Equal(MembershipRow.Dead, left.Status);
        foreach (var api in cluster.Apis)
        {
            await WaitHostStatusAsync(api, victim, HostStatus.Down);
        }

        Report($"SIGTERM -> {victim}'s silo exited with 0 after {Seconds(exitedAt - terminatedAt)}, its row already dead; host down on both Apis after {Seconds(DateTimeOffset.UtcNow - terminatedAt)}");
    });
}
