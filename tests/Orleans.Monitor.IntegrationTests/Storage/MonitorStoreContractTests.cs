using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.IntegrationTests.Storage;

/// <summary>The behaviour every <see cref="IMonitorStore"/> must have; each store runs it through a subclass.</summary>
public abstract class MonitorStoreContractTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private static readonly int[] OutOfOrderMinutes = [7, 3, 5, 4, 6, 2];

    private IMonitorStore? _store;

    protected IMonitorStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected CancellationToken Ct => _timeout.Token;

    /// <summary>Prepares an empty database for this test.</summary>
    protected abstract Task PrepareDatabaseAsync();

    /// <summary>A new, uninitialized store instance on this test's database (another process, in effect).</summary>
    protected abstract IMonitorStore OpenStore();

    public async Task InitializeAsync()
    {
        await PrepareDatabaseAsync();
        _store = OpenStore();
        await _store.InitializeAsync(Ct);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task InitializeAsync_CalledAgainAndFromOtherInstances_IsIdempotent()
    {
        await Store.InitializeAsync(Ct);
        var others = Enumerable.Range(0, 4).Select(_ => OpenStore()).ToArray();

        await Task.WhenAll(others.Select(s => s.InitializeAsync(Ct)));

        await Store.WriteAggregatesAsync([StoreSamples.Aggregate("c1", 0)], Ct);
        var history = await others[0].GetContainerHistoryAsync("c1", Range(0, 1), Ct);
        Assert.Single(history);
    }

    [Fact]
    public async Task WriteAggregatesAsync_SameBatchTwice_OneRowPerKeyWithValuesReplaced()
    {
        var first = Enumerable.Range(0, 10).Select(m => StoreSamples.Aggregate("c1", m, cpu: 10)).ToArray();
        var second = Enumerable.Range(0, 10).Select(m => StoreSamples.Aggregate("c1", m, cpu: 42, samples: 59)).ToArray();

        await Store.WriteAggregatesAsync(first, Ct);
        await Store.WriteAggregatesAsync(first, Ct);
        await Store.WriteAggregatesAsync(second, Ct);

        var history = await Store.GetContainerHistoryAsync("c1", Range(0, 10), Ct);
        Assert.Equal(second, history);
    }

    [Fact]
    public async Task WriteAggregatesAsync_NetworkNotMeasured_ReadsBackNullNotZero()
    {
        var hostNetwork = StoreSamples.Aggregate("c1", 0) with { NetRxBytes = null, NetTxBytes = null, NetworkNamespace = null };
        var joined = StoreSamples.Aggregate("c2", 0) with { NetworkNamespace = "c1" };

        await Store.WriteAggregatesAsync([hostNetwork, joined], Ct);

        Assert.Equal([hostNetwork], await Store.GetContainerHistoryAsync("c1", Range(0, 60), Ct));
        Assert.Equal([joined], await Store.GetContainerHistoryAsync("c2", Range(0, 60), Ct));
    }

    [Fact]
    public async Task WriteAggregatesAsync_CfsPeriodCounts_ReadBackFromMinutesAndHoursAndReplacedOnUpsert()
    {
        var throttled = StoreSamples.Aggregate("c1", 0) with { ThrottlePeriods = 600, ThrottledPeriods = 541 };
        var rewritten = throttled with { ThrottlePeriods = 599, ThrottledPeriods = 12 };
        var unlimited = StoreSamples.Aggregate("c1", 1);
        var rollups = (IRollupStore)Store;
        var hour = new Contracts.Metrics.MinuteAggregate[] { throttled with { ThrottlePeriods = 36_000, ThrottledPeriods = 35_999 } };

        await Store.WriteAggregatesAsync([throttled, unlimited], Ct);
        var first = await Store.GetContainerHistoryAsync("c1", Range(0, 2), Ct);
        await Store.WriteAggregatesAsync([rewritten], Ct);
        await rollups.ReplaceHourAsync(StoreSamples.BaseMinute, [new HourAggregate(hour[0], 60)], Ct);

        Assert.Equal([throttled, unlimited], first);
        Assert.Equal(0, first[1].ThrottlePeriods);
        Assert.Equal([rewritten, unlimited], await Store.GetContainerHistoryAsync("c1", Range(0, 2), Ct));
        Assert.Equal(hour, await rollups.GetContainerHoursAsync("c1", Range(0, 60), Ct));
    }

    [Fact]
    public async Task WriteAggregatesAsync_SameKeyTwiceInOneBatch_LastOneWins()
    {
        await Store.WriteAggregatesAsync(
            [StoreSamples.Aggregate("c1", 0, cpu: 1), StoreSamples.Aggregate("c1", 0, cpu: 2)],
            Ct);

        var history = await Store.GetContainerHistoryAsync("c1", Range(0, 1), Ct);
        Assert.Equal([StoreSamples.Aggregate("c1", 0, cpu: 2)], history);
    }

    [Fact]
    public async Task GetContainerHistoryAsync_Range_IsHalfOpenAndAscending()
    {
        await Store.WriteAggregatesAsync(
            [.. OutOfOrderMinutes.Select(m => StoreSamples.Aggregate("c1", m)), StoreSamples.Aggregate("c2", 4)],
            Ct);

        var history = await Store.GetContainerHistoryAsync("c1", Range(3, 6), Ct);

        Assert.Equal([3, 4, 5], history.Select(MinuteOffset));
        Assert.All(history, a => Assert.Equal("c1", a.ContainerId));
    }

    [Fact]
    public async Task GetContainerHistoryAsync_SubMinuteBounds_StayHalfOpen()
    {
        await Store.WriteAggregatesAsync([StoreSamples.Aggregate("c1", 1), StoreSamples.Aggregate("c1", 2)], Ct);
        var range = new TimeRange(
            StoreSamples.BaseMinute.AddMinutes(1).AddMilliseconds(1),
            StoreSamples.BaseMinute.AddMinutes(2).AddMilliseconds(1));

        var history = await Store.GetContainerHistoryAsync("c1", range, Ct);

        Assert.Equal([2], history.Select(MinuteOffset));
    }

    [Fact]
    public async Task GetHostHistoryAsync_ReturnsEveryContainerOfTheHostAscending()
    {
        await Store.WriteAggregatesAsync(
            [
                StoreSamples.Aggregate("c2", 1),
                StoreSamples.Aggregate("c1", 1),
                StoreSamples.Aggregate("c1", 0),
                StoreSamples.Aggregate("c3", 0, hostId: "host-b"),
                StoreSamples.Aggregate("c2", 5),
            ],
            Ct);

        var history = await Store.GetHostHistoryAsync("host-a", Range(0, 5), Ct);

        Assert.Equal([("c1", 0), ("c1", 1), ("c2", 1)], history.Select(a => (a.ContainerId, MinuteOffset(a))));
    }

    [Fact]
    public async Task GetContainersHistoryAsync_SomeContainersOnTwoHosts_ReturnsOnlyThoseInRangeAscending()
    {
        await Store.WriteAggregatesAsync(
            [
                StoreSamples.Aggregate("c2", 1),
                StoreSamples.Aggregate("c1", 1),
                StoreSamples.Aggregate("c1", 0),
                StoreSamples.Aggregate("c3", 0, hostId: "host-b"),
                StoreSamples.Aggregate("c3", 5, hostId: "host-b"),
                StoreSamples.Aggregate("c4", 0, hostId: "host-b"),
            ],
            Ct);

        var history = await Store.GetContainersHistoryAsync(["c3", "c1", "unknown"], Range(0, 5), Ct);
        var none = await Store.GetContainersHistoryAsync([], Range(0, 5), Ct);

        Assert.Equal([("c1", 0), ("c3", 0), ("c1", 1)], history.Select(a => (a.ContainerId, MinuteOffset(a))));
        Assert.Equal([StoreSamples.Aggregate("c3", 0, hostId: "host-b")], history.Where(a => a.ContainerId == "c3"));
        Assert.Empty(none);
    }

    [Fact]
    public async Task FindContainerAsync_ExactOrPrefix_ResolvesUniqueAmbiguousOrNotFound()
    {
        await Store.UpsertContainersAsync(
            [StoreSamples.Container("abc123"), StoreSamples.Container("abd456"), StoreSamples.Container("abc1234")],
            Ct);

        var exact = await Store.FindContainerAsync("abc123", Ct);
        var unique = await Store.FindContainerAsync("abd", Ct);
        var ambiguous = await Store.FindContainerAsync("ab", Ct);
        var missing = await Store.FindContainerAsync("ffff", Ct);

        Assert.Equal("abc123", exact.Container?.Id);
        Assert.False(exact.Ambiguous);
        Assert.Equal("abd456", unique.Container?.Id);
        Assert.True(ambiguous.Ambiguous);
        Assert.Null(ambiguous.Container);
        Assert.Null(missing.Container);
        Assert.False(missing.Ambiguous);
    }

    [Fact]
    public async Task FindContainerAsync_WildcardsAndCase_MatchLiterally()
    {
        await Store.UpsertContainersAsync([StoreSamples.Container("a_b1"), StoreSamples.Container("axb2"), StoreSamples.Container("a%c")], Ct);

        Assert.Equal("a_b1", (await Store.FindContainerAsync("a_", Ct)).Container?.Id);
        Assert.Equal("a%c", (await Store.FindContainerAsync("a%", Ct)).Container?.Id);
        Assert.Equal(ContainerLookup.NotFound, await Store.FindContainerAsync("AXB", Ct));
    }

    [Fact]
    public async Task GetContainersAsync_Filters_ByHostStateAndNameIgnoringCase()
    {
        await Store.UpsertContainersAsync(
            [
                StoreSamples.Container("c1", "host-a", "Shop-Web-1"),
                StoreSamples.Container("c2", "host-a", "shop-db-1", ContainerState.Exited),
                StoreSamples.Container("c3", "host-b", "shop-web-2"),
                StoreSamples.Container("c4", "host-a", "old-web", ContainerState.Removed, removed: true),
            ],
            Ct);

        Assert.Equal(["c1", "c4", "c2"], await Ids(new ContainerQuery(HostId: "host-a")));
        Assert.Equal(["c2"], await Ids(new ContainerQuery(State: "EXITED")));
        Assert.Equal(["c1", "c4", "c3"], await Ids(new ContainerQuery(NameContains: "WEB")));
        Assert.Equal(["c1"], await Ids(new ContainerQuery("host-a", ContainerState.Running, "web")));
        Assert.Equal(["c1", "c2", "c3"], await Ids(new ContainerQuery(IncludeRemoved: false)));
        Assert.Empty(await Ids(new ContainerQuery(NameContains: "%")));
    }

    [Fact]
    public async Task UpsertContainersAsync_AllFields_RoundTrip()
    {
        var container = StoreSamples.Container("c1") with
        {
            FinishedAt = new DateTimeOffset(2026, 3, 1, 0, 0, 1, 5, TimeSpan.FromHours(2)),
            ExitCode = 137,
            OomKilled = true,
            Health = null,
            ComposeProject = null,
        };

        await Store.UpsertContainersAsync([container], Ct);
        var stored = (await Store.FindContainerAsync("c1", Ct)).Container;

        Assert.NotNull(stored);
        Assert.Equal(container with { Labels = stored.Labels }, stored);
        Assert.Equal(container.Labels.OrderBy(l => l.Key), stored.Labels.OrderBy(l => l.Key));
    }

    [Fact]
    public async Task UpsertContainersAsync_ContainerRemoved_StaysQueryableWithHistory()
    {
        await Store.UpsertContainersAsync([StoreSamples.Container("c1")], Ct);
        await Store.WriteAggregatesAsync([StoreSamples.Aggregate("c1", 0)], Ct);

        await Store.UpsertContainersAsync([StoreSamples.Container("c1", state: ContainerState.Removed, removed: true)], Ct);

        var lookup = await Store.FindContainerAsync("c1", Ct);
        Assert.True(lookup.Container?.Removed);
        Assert.Equal(ContainerState.Removed, lookup.Container?.State);
        Assert.Single(await Store.GetContainerHistoryAsync("c1", Range(0, 1), Ct));
        Assert.Equal(["c1"], await Ids(new ContainerQuery()));
    }

    [Fact]
    public async Task UpsertHostAsync_SeenAgain_ReplacesFactsAndLastSeen()
    {
        var seen = StoreSamples.BaseMinute.AddSeconds(1.5);
        await Store.UpsertHostAsync(StoreSamples.Host("host-b", "zeta"), seen, Ct);
        await Store.UpsertHostAsync(StoreSamples.Host("host-a"), seen, Ct);
        await Store.UpsertHostAsync(StoreSamples.Host("host-a") with { Cpus = 8 }, seen.AddMinutes(1), Ct);

        var hosts = await Store.GetHostsAsync(Ct);
        var hostA = await Store.GetHostAsync("host-a", Ct);

        Assert.Equal(["host-a", "host-b"], hosts.Select(h => h.Info.HostId));
        Assert.Equal(new StoredHost(StoreSamples.Host("host-a") with { Cpus = 8 }, seen.AddMinutes(1)), hostA);
        Assert.Null(await Store.GetHostAsync("nope", Ct));
    }

    [Fact]
    public async Task WriteAggregatesAsync_LargeBatch_StoresEveryRow()
    {
        var batch = Enumerable.Range(0, 5000).Select(i => StoreSamples.Aggregate($"c{i % 50}", i / 50)).ToArray();

        await Store.WriteAggregatesAsync(batch, Ct);

        var history = await Store.GetHostHistoryAsync("host-a", Range(0, 100), Ct);
        Assert.Equal(5000, history.Count);
        Assert.Equal(batch.OrderBy(a => a.Minute).ThenBy(a => a.ContainerId, StringComparer.Ordinal), history);
    }

    [Fact]
    public async Task UpsertContainersAsync_RestartCountAndLastExitCode_RoundTrip()
    {
        var looping = StoreSamples.Container("c1", state: ContainerState.Restarting) with { ExitCode = 3, RestartCount = 7, LastExitCode = 3 };
        var neverExited = StoreSamples.Container("c2");

        await Store.UpsertContainersAsync([looping, neverExited], Ct);
        await Store.UpsertContainersAsync([looping with { State = ContainerState.Running, ExitCode = null, RestartCount = 8 }], Ct);

        var stored = (await Store.FindContainerAsync("c1", Ct)).Container;
        var fresh = (await Store.FindContainerAsync("c2", Ct)).Container;
        Assert.Equal((ContainerState.Running, (int?)null, 8, (int?)3), (stored?.State, stored?.ExitCode, stored?.RestartCount, stored?.LastExitCode));
        Assert.Equal((0, (int?)null), (fresh?.RestartCount, fresh?.LastExitCode));
    }

    [Fact]
    public async Task WriteEventsAsync_AllFields_RoundTripNewestFirst()
    {
        var events = new[]
        {
            StoreSamples.Event("c1", ContainerEventActions.Create, 0),
            StoreSamples.Event("c1", ContainerEventActions.Start, 1),
            StoreSamples.Event("c1", ContainerEventActions.Kill, 2) with { Signal = "15" },
            StoreSamples.Event("c1", ContainerEventActions.Die, 3) with { ExitCode = 143 },
            StoreSamples.Event("c1", ContainerEventActions.HealthStatus, 4) with { Health = "unhealthy" },
            StoreSamples.Event("c1", ContainerEventActions.Destroy, 5),
        };

        await Store.WriteEventsAsync(events, Ct);
        var stored = await Store.GetContainerEventsAsync("c1", AllTime, 100, Ct);

        Assert.Equal(events.Reverse().Select(e => e with { Attributes = null! }), stored.Select(e => e with { Attributes = null! }));
        Assert.All(stored, e => Assert.Equal(StoreSamples.Event("c1", e.Action, 0).Attributes.OrderBy(a => a.Key), e.Attributes.OrderBy(a => a.Key)));
    }

    [Fact]
    public async Task WriteEventsAsync_SameEventsTwiceAndWithinABatch_KeptOnce()
    {
        var die = StoreSamples.Event("c1", ContainerEventActions.Die, 1) with { ExitCode = 1 };
        var start = StoreSamples.Event("c1", ContainerEventActions.Start, 1);

        await Store.WriteEventsAsync([die, die, start], Ct);
        await Store.WriteEventsAsync([die, start], Ct);

        var stored = await Store.GetContainerEventsAsync("c1", AllTime, 100, Ct);
        Assert.Equal(2, stored.Count);
        Assert.Equal([ContainerEventActions.Die, ContainerEventActions.Start], stored.Select(e => e.Action).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetContainerEventsAsync_RangeAndLimit_HalfOpenNewestFirstOfThisContainerOnly()
    {
        await Store.WriteEventsAsync(
            [
                .. Enumerable.Range(0, 10).Select(s => StoreSamples.Event("c1", ContainerEventActions.Start, s)),
                StoreSamples.Event("c2", ContainerEventActions.Start, 5),
            ],
            Ct);
        var range = new TimeRange(StoreSamples.BaseMinute.AddSeconds(3), StoreSamples.BaseMinute.AddSeconds(8));

        var inRange = await Store.GetContainerEventsAsync("c1", range, 100, Ct);
        var newestTwo = await Store.GetContainerEventsAsync("c1", range, 2, Ct);

        Assert.Equal([7, 6, 5, 4, 3], inRange.Select(EventSecond));
        Assert.All(inRange, e => Assert.Equal("c1", e.ContainerId));
        Assert.Equal([7, 6], newestTwo.Select(EventSecond));
        Assert.Empty(await Store.GetContainerEventsAsync("nope", AllTime, 100, Ct));
    }

    private static readonly TimeRange AllTime = new(DateTimeOffset.MinValue, DateTimeOffset.MaxValue);

    private static int EventSecond(ContainerEvent e) => (int)(e.Time - StoreSamples.BaseMinute).TotalSeconds;

    private async Task<string[]> Ids(ContainerQuery query) =>
        [.. (await Store.GetContainersAsync(query, Ct)).Select(c => c.Id)];

    private static TimeRange Range(int fromMinute, int toMinute) =>
        new(StoreSamples.BaseMinute.AddMinutes(fromMinute), StoreSamples.BaseMinute.AddMinutes(toMinute));

    private static int MinuteOffset(Contracts.Metrics.MinuteAggregate a) =>
        (int)(a.Minute - StoreSamples.BaseMinute).TotalMinutes;
}
