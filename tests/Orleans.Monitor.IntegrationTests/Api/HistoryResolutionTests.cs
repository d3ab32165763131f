using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Retention;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// Which rows history is built from: minute rows up to 24 h, hourly rollups beyond (or the step asked for), and the
/// response says which in <c>resolution</c>. Rows are written to the Api's own store, hours by the retention pass.
/// </summary>
public sealed class HistoryResolutionTests(BadInputTests.NoEngineApp fixture) : IClassFixture<BadInputTests.NoEngineApp>
{
    private const string HostId = "HIST:RES0:0001";

    [Fact]
    public async Task GetContainerHistory_SevenDays_HourResolutionFromRollupsAndOpenHourFromMinutes()
    {
        var (container, rolled, open) = await SeedAsync("a");
        using var client = fixture.App.CreateApiClient();

        var history = await MonitorApp.GetJsonAsync<ContainerHistory>(client, $"/api/containers/{container}/history?from={Ago(TimeSpan.FromDays(7))}");

        Assert.Equal("hour", history.Resolution);
        Assert.Equal("1h", history.Step);
        // The closed hours come from the rollup table: one point each, with the hour's summed samples.
        Assert.Equal([.. rolled, open], history.Points.Select(p => p.Minute));
        Assert.All(history.Points.SkipLast(1), p => Assert.Equal(60 * 60, p.SampleCount));
        Assert.Equal(2 * 60, history.Points[^1].SampleCount);
    }

    [Fact]
    public async Task GetHostHistory_SevenDays_SaysHour()
    {
        var (_, rolled, open) = await SeedAsync("b");
        using var client = fixture.App.CreateApiClient();

        var history = await MonitorApp.GetJsonAsync<HostHistory>(client, $"/api/hosts/{HostId}/history?from={Ago(TimeSpan.FromDays(7))}");

        Assert.Equal("hour", history.Resolution);
        Assert.Contains(rolled[0], history.Points.Select(p => p.Minute));
        Assert.Contains(open, history.Points.Select(p => p.Minute));
    }

    [Theory]
    [InlineData("", "minute", "1m")]
    [InlineData("&step=5m", "minute", "5m")]
    [InlineData("&step=1h", "minute", "1h")]
    public async Task GetContainerHistory_TwelveHours_MinuteResolution(string step, string resolution, string stepText)
    {
        var (container, _, _) = await SeedAsync("c" + stepText);
        using var client = fixture.App.CreateApiClient();

        var history = await MonitorApp.GetJsonAsync<ContainerHistory>(client, $"/api/containers/{container}/history?from={Ago(TimeSpan.FromHours(12))}{step}");

        Assert.Equal(resolution, history.Resolution);
        Assert.Equal(stepText, history.Step);
    }

    [Fact]
    public async Task GetContainerHistory_SevenDaysWithFiveMinuteStep_MinuteResolutionAsAsked()
    {
        var (container, _, _) = await SeedAsync("d");
        using var client = fixture.App.CreateApiClient();

        var history = await MonitorApp.GetJsonAsync<ContainerHistory>(client, $"/api/containers/{container}/history?from={Ago(TimeSpan.FromDays(7))}&step=5m");

        Assert.Equal("minute", history.Resolution);
        Assert.Equal("5m", history.Step);
        Assert.Equal(4 * 12 + 1, history.Points.Count);
    }

    /// <summary>
    /// A container with full minute rows for four closed hours starting 30 h ago, two minutes in the open hour, and the
    /// retention pass run: returns the container id, the rolled-up hours and the open hour.
    /// </summary>
    private async Task<(string Container, DateTimeOffset[] Rolled, DateTimeOffset Open)> SeedAsync(string tag)
    {
        var store = fixture.App.Services.GetRequiredService<IMonitorStore>();
        var id = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        await store.UpsertHostAsync(new HostInfo(HostId, "history-host", 2, 1L << 30, "Linux", "6.1", "20.10", "1.41", "1", "cgroupfs", "cgroup"), DateTimeOffset.UtcNow, CancellationToken.None);
        await store.UpsertContainersAsync(
            [new ContainerInfo(id, HostId, "hist-" + tag, "busybox", new Dictionary<string, string>(), null, null, ContainerState.Running, null, DateTimeOffset.UtcNow.AddDays(-2), null, null, null, false, false)],
            CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var first = HourRollup.HourOf(now.AddHours(-30));
        var rolled = Enumerable.Range(0, 4).Select(h => first.AddHours(h)).ToArray();
        var open = HourRollup.HourOf(now);
        var minutes = rolled.SelectMany(h => Enumerable.Range(0, 60).Select(m => Minute(id, h.AddMinutes(m)))).ToList();

        // 120 samples in the open hour: two minutes, or one with twice the samples in an hour's first minute.
        minutes.AddRange(now - open >= TimeSpan.FromMinutes(1)
            ? [Minute(id, open), Minute(id, open.AddMinutes(1))]
            : [Minute(id, open) with { SampleCount = 120 }]);

        await store.WriteAggregatesAsync(minutes, CancellationToken.None);
        await fixture.App.Services.GetRequiredService<RetentionJob>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(4, (await ((IRollupStore)store).GetContainerHoursAsync(id, new TimeRange(first, open), CancellationToken.None)).Count);
        return (id, rolled, open);
    }

    private static MinuteAggregate Minute(string id, DateTimeOffset minute) =>
        new(id, HostId, minute, 60, 5, 1, 9, 8, 1_000, 900, 1_100, 1_080, 1L << 30, null, null, 10, 20, 3, 0, 1_000_000_000);

    private static string Ago(TimeSpan span) =>
        Uri.EscapeDataString((DateTimeOffset.UtcNow - span).ToString("O", CultureInfo.InvariantCulture));
}
