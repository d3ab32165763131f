using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.IntegrationTests.Silo.Retention;

/// <summary>The retention grain in the standalone service's co-hosted silo, on its SQLite store.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class RetentionGrainTests(LiveApi live)
{
    [Fact]
    public async Task RunNowAsync_OldAndClosedHourMinutes_RemovesOldRowsAndRollsTheHourUp()
    {
        var store = live.App.Services.GetRequiredService<IMonitorStore>();
        var rollups = (IRollupStore)store;
        var now = DateTimeOffset.UtcNow;
        var old = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var recent = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var oldStart = HourRollup.HourOf(now.AddDays(-20));
        var closedHour = HourRollup.HourOf(now.AddHours(-2));
        await store.WriteAggregatesAsync(
            [
                .. Enumerable.Range(0, 30).Select(m => Minute(old, oldStart.AddMinutes(m))),
                .. Enumerable.Range(0, 60).Select(m => Minute(recent, closedHour.AddMinutes(m))),
            ],
            CancellationToken.None);
        var grains = await live.App.Services.GetRequiredService<ClusterConnection>().Connected.WaitAsync(TimeSpan.FromSeconds(60));

        var pass = await grains.GetGrain<IRetentionGrain>(0).RunNowAsync();

        Assert.True(pass.MinuteRowsRemoved >= 30, $"{pass.MinuteRowsRemoved} minute rows removed");
        Assert.Empty(await store.GetContainerHistoryAsync(old, new TimeRange(oldStart, oldStart.AddHours(1)), CancellationToken.None));
        var hour = Assert.Single(await rollups.GetContainerHoursAsync(recent, new TimeRange(closedHour, now), CancellationToken.None));
        Assert.Equal(60 * 60, hour.SampleCount);
        Assert.Equal(closedHour, hour.Minute);
    }

    private static MinuteAggregate Minute(string id, DateTimeOffset minute) =>
        new(id, "RETENTION:GRAIN", minute, 60, 5, 1, 9, 8, 1_000, 900, 1_100, 1_080, 1L << 30, null, null, 10, 20, 3, 0, 1_000_000_000);
}
