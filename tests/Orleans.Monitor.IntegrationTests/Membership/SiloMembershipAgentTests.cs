using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.IntegrationTests.Membership;

/// <summary>The silo agent and the listener against a real PostgreSQL, including an outage.</summary>
public sealed class SiloMembershipAgentTests(PostgresServer server) : MembershipTestBase(server), IClassFixture<PostgresServer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Agent_StartAndStop_JoinsHeartbeatsAndLeaves()
    {
        var table = await OpenTableAsync();
        var death = new RecordingDeathHandler();
        using var agent = CreateAgent(await OpenTableAsync(), ShortLeases(), death);

        await agent.StartAsync(None);
        var generation = await agent.Joined.WaitAsync(Deadline);
        var joined = await RowAsync(table, "silo-1", generation);
        await Poll.UntilAsync(
            async () => (await RowAsync(table, "silo-1", generation)).LastHeartbeat > joined.LastHeartbeat,
            Deadline,
            "a heartbeat to renew the lease");
        await agent.StopAsync(None);

        Assert.Equal(SiloStatus.Dead, (await RowAsync(table, "silo-1", generation)).Status);
        Assert.False(death.Called.Task.IsCompleted);
    }

    [Fact]
    public async Task Agent_AnotherSiloTakesTheDockerHost_InvokesDeathCallback()
    {
        var table = await OpenTableAsync();
        var death = new RecordingDeathHandler();
        using var agent = CreateAgent(await OpenTableAsync(), ShortLeases(), death);
        await agent.StartAsync(None);
        var generation = await agent.Joined.WaitAsync(Deadline);

        await table.JoinAsync(Registration("silo-2", "daemon-1"), None);

        Assert.Equal(("silo-1", generation), await death.Called.Task.WaitAsync(Deadline));
        await agent.StopAsync(None);
    }

    [Fact]
    public async Task Agent_DatabaseDownLongerThanTheLease_StaysAliveAndRenewsAfterwards()
    {
        var table = await OpenTableAsync();
        var death = new RecordingDeathHandler();
        using var agent = CreateAgent(await OpenTableAsync(), ShortLeases(), death);
        await agent.StartAsync(None);
        var generation = await agent.Joined.WaitAsync(Deadline);
        await Poll.UntilAsync(() => agent.FailedHeartbeatCount == 0 && agent.Joined.IsCompleted, Deadline, "the agent to run");

        await Server.StopAsync();
        // Several failed heartbeats span more than the 2 s lease: every lease in the table is now expired.
        await Poll.UntilAsync(() => agent.FailedHeartbeatCount >= 10, Deadline, "heartbeats to fail while the database is down");
        await Server.StartAsync();

        var failuresAtRestart = agent.FailedHeartbeatCount;
        await Poll.UntilAsync(
            async () => (await RowAsync(table, "silo-1", generation)).LeaseAlive,
            Deadline,
            "the agent to renew its lease after the outage");
        Assert.Equal(SiloStatus.Active, (await RowAsync(table, "silo-1", generation)).Status);
        Assert.False(death.Called.Task.IsCompleted);
        Assert.True(agent.FailedHeartbeatCount >= failuresAtRestart);
        await agent.StopAsync(None);
    }

    [Fact]
    public async Task Listener_SiloJoinsAndLeaves_RaisesChanges()
    {
        var table = await OpenTableAsync();
        using var listener = new MembershipListener(
            NewDataSource(),
            await OpenTableAsync(),
            Options.Create(ShortLeases()),
            TimeProvider.System,
            NullLogger<MembershipListener>.Instance);
        var views = new List<MembershipSnapshot>();
        using var subscription = listener.Subscribe((snapshot, _) =>
        {
            lock (views)
            {
                views.Add(snapshot);
            }

            return Task.CompletedTask;
        });
        await listener.StartAsync(None);
        await Poll.UntilAsync(() => listener.Current is not null, Deadline, "the first read");

        var generation = await table.JoinAsync(Registration("silo-9", "daemon-9"), None);
        await Poll.UntilAsync(() => Seen(views, s => s.Alive.Any(a => a.SiloId == "silo-9")), Deadline, "the join to be seen");
        await table.LeaveAsync("silo-9", generation, None);
        await Poll.UntilAsync(() => Seen(views, s => s.Silos.Any(a => a.SiloId == "silo-9" && a.Status == SiloStatus.Dead)), Deadline, "the leave to be seen");

        await listener.StopAsync(None);
    }

    private static bool Seen(List<MembershipSnapshot> views, Func<MembershipSnapshot, bool> predicate)
    {
        lock (views)
        {
            return views.Any(predicate);
        }
    }

    private static SiloMembershipAgent CreateAgent(MembershipTable table, MembershipOptions options, ISiloDeathHandler death) =>
        new(table, Options.Create(options), death, new OptionsSiloRegistrationSource(Options.Create(options)), TimeProvider.System, NullLogger<SiloMembershipAgent>.Instance);

    private sealed class RecordingDeathHandler : ISiloDeathHandler
    {
        public TaskCompletionSource<(string, long)> Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task OnDeclaredDeadAsync(string siloId, long generation, CancellationToken cancellationToken)
        {
            Called.TrySetResult((siloId, generation));
            return Task.CompletedTask;
        }
    }
}
