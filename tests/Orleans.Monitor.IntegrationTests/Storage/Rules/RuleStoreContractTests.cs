using System.Collections.Immutable;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.IntegrationTests.Storage.Rules;

/// <summary>The behaviour every <see cref="IRuleStore"/> must have; each database runs it through a subclass.</summary>
public abstract class RuleStoreContractTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly RuleDefinition Rule = new(
        new RuleSelector(SwarmService: "web"), "cpuPercent", "p95", "30s", Above: 80.5, Below: null, For: "15s",
        new RuleAlert("critical", "hot"), new RuleScale(1, 5, 2, "90s"));

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    protected IRuleStore Store { get; private set; } = null!;

    protected CancellationToken Ct => _timeout.Token;

    /// <summary>An initialized (migrated) monitor store on this test's database and the rule store beside it.</summary>
    protected abstract Task<(IMonitorStore Monitor, IRuleStore Rules)> OpenAsync();

    public async Task InitializeAsync()
    {
        var (monitor, rules) = await OpenAsync();
        await monitor.InitializeAsync(Ct);
        Store = rules;
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task PutRuleAsync_NewThenReplaced_ReportsCreationOnceAndKeepsTheLatest()
    {
        Assert.True(await Store.PutRuleAsync("web-cpu", Rule, T0, Ct));
        Assert.False(await Store.PutRuleAsync("web-cpu", Rule with { Above = 90 }, T0.AddMinutes(1), Ct));

        var stored = await Store.GetRuleAsync("web-cpu", Ct);

        Assert.NotNull(stored);
        Assert.Equal(Rule with { Above = 90 }, stored.Definition);
        Assert.Equal(T0.AddMinutes(1), stored.UpdatedAt);
        Assert.Equal(["web-cpu"], (await Store.GetRulesAsync(Ct)).Select(r => r.Name));
    }

    [Fact]
    public async Task DeleteRuleAsync_StoredThenAbsent_TrueThenFalse()
    {
        await Store.PutRuleAsync("gone", Rule, T0, Ct);

        Assert.True(await Store.DeleteRuleAsync("gone", Ct));
        Assert.False(await Store.DeleteRuleAsync("gone", Ct));
        Assert.Null(await Store.GetRuleAsync("gone", Ct));
    }

    [Fact]
    public async Task GetAlertsAsync_StateAndRange_FiltersNewestFirst()
    {
        var labels = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("hosts", "h1,h2"), KeyValuePair.Create("selector", "swarmService=web")]);
        var old = new Alert("a1", "web-cpu", "critical", "hot", labels, 91.25, T0, T0.AddMinutes(3), AlertStates.Resolved);
        var open = new Alert("a2", "web-cpu", "warning", null, labels, null, T0.AddMinutes(10), null, AlertStates.Firing);
        await Store.PutAlertAsync(old with { State = AlertStates.Firing, EndsAt = null }, Ct);
        await Store.PutAlertAsync(old, Ct);
        await Store.PutAlertAsync(open, Ct);

        var all = await Store.GetAlertsAsync(new AlertQuery(null, null, null), Ct);
        var firing = await Store.GetAlertsAsync(new AlertQuery(AlertStates.Firing, null, null), Ct);
        var early = await Store.GetAlertsAsync(new AlertQuery(null, T0, T0.AddMinutes(10)), Ct);

        Assert.Equal(["a2", "a1"], all.Select(a => a.Id));
        Assert.Equal(old, all[1], AlertComparer.Instance);
        Assert.Equal(open, all[0], AlertComparer.Instance);
        Assert.Equal(["a2"], firing.Select(a => a.Id));
        Assert.Equal(["a1"], early.Select(a => a.Id));
    }

    /// <summary>Record equality compares the label dictionaries by reference; this compares their contents.</summary>
    private sealed class AlertComparer : IEqualityComparer<Alert>
    {
        public static readonly AlertComparer Instance = new();

        public bool Equals(Alert? x, Alert? y) =>
            x is not null && y is not null && x with { Labels = y.Labels } == y && x.Labels.SequenceEqual(y.Labels);

        public int GetHashCode(Alert obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
