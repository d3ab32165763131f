using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Hubs;

/// <summary><c>/hubs/live</c> over a real WebSocket on Kestrel, speaking the JSON hub protocol by hand.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class LiveHubTests(LiveApi live, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task WatchAll_Connected_SnapshotFirstThenFramesWithIncreasingSequence()
    {
        var id = await StartSampledContainerAsync("hub-all");
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);

        var stream = await hub.StreamAsync("WatchAll", [], _timeout.Token);
        var first = await NextHostFrameAsync(hub, stream);
        var clock = Stopwatch.StartNew();
        var sequences = new List<long> { first["sequence"]!.GetValue<long>() };
        var gaps = new List<double>();
        while (sequences.Count < 4)
        {
            var before = clock.Elapsed;
            var frame = await NextHostFrameAsync(hub, stream);
            gaps.Add((clock.Elapsed - before).TotalMilliseconds);
            sequences.Add(frame["sequence"]!.GetValue<long>());
        }

        output.WriteLine($"sequences {string.Join(", ", sequences)}; ms between frames {string.Join(", ", gaps.Select(g => g.ToString("0", CultureInfo.InvariantCulture)))}");
        Assert.Equal(HostStatus.Up, first["status"]!.GetValue<string>());
        Assert.Equal(live.HostId, first["host"]!["hostId"]!.GetValue<string>());
        Assert.Contains(first["containers"]!.AsArray(), c => c!["container"]!["id"]!.GetValue<string>() == id);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task WatchContainer_RunningContainer_WindowFirstThenPoints()
    {
        var id = await StartSampledContainerAsync("hub-one");
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);

        var stream = await hub.StreamAsync("WatchContainer", [id], _timeout.Token);
        var first = await hub.NextItemAsync(stream, _timeout.Token);
        JsonObject? withPoint = null;
        for (var i = 0; i < 15 && withPoint is null; i++)
        {
            var item = await hub.NextItemAsync(stream, _timeout.Token);
            Assert.Null(item["window"]);
            withPoint = item["point"] is JsonObject ? item : null;
        }

        Assert.Equal(id, first["container"]!["id"]!.GetValue<string>());
        Assert.NotEmpty(first["window"]!.AsArray());
        Assert.NotNull(withPoint);
        Assert.True(withPoint["point"]!["timestamp"]!.GetValue<DateTimeOffset>() > first["window"]!.AsArray()[^1]!["timestamp"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task WatchAll_OtherClientNotReading_ReadingClientKeepsReceiving()
    {
        await StartSampledContainerAsync("hub-slow");
        await using var slow = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        await using var fast = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var slowStream = await slow.StreamAsync("WatchAll", [], _timeout.Token);
        var fastStream = await fast.StreamAsync("WatchAll", [], _timeout.Token);
        var slowFirst = await NextHostFrameAsync(slow, slowStream);

        // The slow client now reads nothing for 10 s while the fast one keeps reading.
        var clock = Stopwatch.StartNew();
        var received = new List<(TimeSpan At, long Sequence)>();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var frame = await NextHostFrameAsync(fast, fastStream);
            received.Add((clock.Elapsed, frame["sequence"]!.GetValue<long>()));
        }

        var slowNext = await NextHostFrameAsync(slow, slowStream);
        var gaps = received.Zip(received.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).DefaultIfEmpty(0).ToList();
        output.WriteLine(FormattableString.Invariant(
            $"fast client: {received.Count} frames in 10 s, largest gap {gaps.Max():0} ms; slow client resumed at sequence {slowNext["sequence"]} after {slowFirst["sequence"]}"));
        Assert.True(received.Count >= 3, $"only {received.Count} frames reached the reading client");
        Assert.True(received.Last().At > TimeSpan.FromSeconds(5), "frames stopped arriving at the reading client");
        Assert.True(slowNext["sequence"]!.GetValue<long>() > slowFirst["sequence"]!.GetValue<long>());
    }

    [Fact]
    public async Task WatchAll_AfterReconnect_NewStreamStartsWithSnapshot()
    {
        var id = await StartSampledContainerAsync("hub-re");
        long firstSequence;
        await using (var before = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token))
        {
            var stream = await before.StreamAsync("WatchAll", [], _timeout.Token);
            await NextHostFrameAsync(before, stream);
            firstSequence = (await NextHostFrameAsync(before, stream))["sequence"]!.GetValue<long>();
        }

        await using var after = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var again = await after.StreamAsync("WatchAll", [], _timeout.Token);
        var snapshot = await NextHostFrameAsync(after, again);

        Assert.True(snapshot["sequence"]!.GetValue<long>() >= firstSequence);
        Assert.Equal(live.HostId, snapshot["host"]!["hostId"]!.GetValue<string>());
        var mine = Assert.Single(snapshot["containers"]!.AsArray(), c => c!["container"]!["id"]!.GetValue<string>() == id);
        Assert.Equal(ContainerState.Running, mine!["container"]!["state"]!.GetValue<string>());
        Assert.NotNull(mine["sample"]);
    }

    [Fact]
    public async Task Watch_MoreStreamsThanCap_ExtraStreamCompletesWithError()
    {
        const int cap = 8;
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var ids = new List<string>();
        for (var i = 0; i < cap + 1; i++)
        {
            ids.Add(await hub.StreamAsync("WatchAll", [], _timeout.Token));
        }

        JsonObject completion;
        var itemsPerStream = new Dictionary<string, int>();
        while (true)
        {
            var message = await hub.ReceiveAsync(_timeout.Token);
            var invocation = message["invocationId"]?.GetValue<string>() ?? "";
            if (message["type"]!.GetValue<int>() == HubClient.Completion)
            {
                Assert.Equal(ids[^1], invocation);
                completion = message;
                break;
            }

            itemsPerStream[invocation] = itemsPerStream.GetValueOrDefault(invocation) + 1;
        }

        output.WriteLine("completion: " + completion.ToJsonString());
        Assert.Contains("8", completion["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(ids[^1], itemsPerStream.Keys);
    }

    /// <summary>Starts an idle container and waits until the Api has sampled it.</summary>
    private async Task<string> StartSampledContainerAsync(string purpose)
    {
        var name = LiveApi.UniqueName(purpose);
        var id = await live.Engine.RunContainerAsync(["--name", name], "sleep", "600");
        await Eventually.MatchAsync(
            () => MonitorApp.GetJsonAsync<ContainerLiveWindow>(_client, $"/api/containers/{id}/live?seconds=10"),
            w => w.Points.Count >= 2,
            Deadline,
            $"{name} to have samples");
        return id;
    }

    /// <summary>The next frame of the engine's host (WatchAll also carries other hosts' frames, if any).</summary>
    private async Task<JsonObject> NextHostFrameAsync(HubClient hub, string stream)
    {
        while (true)
        {
            var frame = await hub.NextItemAsync(stream, _timeout.Token);
            if (frame["hostId"]!.GetValue<string>() == live.HostId)
            {
                return frame;
            }
        }
    }
}
