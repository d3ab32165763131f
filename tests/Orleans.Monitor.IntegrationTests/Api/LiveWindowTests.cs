using System.Globalization;
using System.Net;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary><c>GET /api/containers/{id}/live?seconds=N</c> on a container of a real engine sampled once a second.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class LiveWindowTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task GetLive_SecondsN_ReturnsTheLastNSamplesOnceNSecondsExist()
    {
        var id = await _containers.RunAsync(["--name", LiveApi.UniqueName("live-n")], "sleep", "600");
        int[] spans = [1, 2, 5, 10, 30];

        // Wait until the container holds more than the longest span of samples, so every N has N seconds behind it.
        await Eventually.GetJsonAsync<ContainerLiveWindow>(
            _client, $"/api/containers/{id}/live?seconds=600", w => w.Points.Count > spans[^1] + 2, Deadline,
            $"more than {spans[^1] + 2} samples of {id[..12]}", HttpStatusCode.NotFound);

        foreach (var n in spans)
        {
            ContainerLiveWindow? window = null;
            SamplePoint[]? expected = null;
            await Poll.UntilAsync(
                async () =>
                {
                    window = await MonitorApp.GetJsonAsync<ContainerLiveWindow>(_client, $"/api/containers/{id}/live?seconds={n}");
                    var all = await MonitorApp.GetJsonAsync<ContainerLiveWindow>(_client, $"/api/containers/{id}/live?seconds=600");
                    var end = all.Points.ToList().FindIndex(p => p.Timestamp == window.Points[^1].Timestamp);
                    Assert.True(end >= n - 1, $"the newest point of ?seconds={n} is not in the full window after {n - 1} others");
                    expected = [.. all.Points.Skip(end - n + 1).Take(n)];

                    // "Not yet" only when the sampler skipped a tick in those seconds (a loaded machine): then N seconds
                    // hold fewer than N samples and the next second is asked again.
                    return expected[^1].Timestamp - expected[0].Timestamp < TimeSpan.FromSeconds(n - 0.5);
                },
                Deadline,
                $"{n} consecutive samples without a skipped tick",
                () => window is null ? null : Describe(window.Points));

            output.WriteLine(FormattableString.Invariant($"?seconds={n}: {window!.Points.Count} points, {Describe(window.Points)}"));
            Assert.Equal(n, window.Seconds);
            Assert.Equal(id, window.ContainerId);
            Assert.Equal(expected!.Select(p => p.Timestamp), window.Points.Select(p => p.Timestamp));
        }
    }

    private static string Describe(IReadOnlyList<SamplePoint> points) =>
        string.Join(", ", points.Select(p => p.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)));
}
