using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Live;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Hubs;

/// <summary><c>/hubs/live</c> over a real WebSocket on Kestrel, speaking the JSON hub protocol by hand.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class LiveHubTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly TestContainers _containers = new(live.Engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _containers.RemoveAllAsync();

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task WatchAll_Connected_SnapshotFirstThenUpdatesWithConsecutiveSequence()
    {
        var id = await StartSampledContainerAsync("hub-all");
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);

        var stream = await hub.StreamAsync("WatchAll", [], _timeout.Token);
        var first = await NextHostFrameAsync(hub, stream);
        var updates = new List<JsonObject>();
        while (updates.Count < 4)
        {
            updates.Add(await NextHostFrameAsync(hub, stream));
        }

        var sequences = updates.Select(f => f["sequence"]!.GetValue<long>()).Prepend(first["sequence"]!.GetValue<long>()).ToList();
        output.WriteLine($"sequences {string.Join(", ", sequences)}; snapshot flags {first["snapshot"]}, {string.Join(", ", updates.Select(u => u["snapshot"]))}");
        Assert.True(first["snapshot"]!.GetValue<bool>(), "the first frame is not marked as the snapshot");
        Assert.All(updates, u => Assert.False(u["snapshot"]!.GetValue<bool>(), "an update is marked as a snapshot"));
        Assert.Equal(HostStatus.Up, first["status"]!.GetValue<string>());
        Assert.Equal(live.HostId, first["host"]!["hostId"]!.GetValue<string>());
        Assert.Contains(first["containers"]!.AsArray(), c => c!["container"]!["id"]!.GetValue<string>() == id);

        // A client that keeps reading gets every frame the host grain sends: consecutive sequence numbers.
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => sequences[0] + i), sequences);
    }

    [Fact]
    public async Task WatchHost_KnownHost_SnapshotThenOnlyThatHostsUpdates()
    {
        var id = await StartSampledContainerAsync("hub-host");
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);

        var stream = await hub.StreamAsync("WatchHost", [live.HostId], _timeout.Token);
        var frames = new List<JsonObject>();
        while (frames.Count < 4)
        {
            frames.Add(await hub.NextItemAsync(stream, _timeout.Token));
        }

        var sequences = frames.Select(f => f["sequence"]!.GetValue<long>()).ToList();
        output.WriteLine($"WatchHost sequences {string.Join(", ", sequences)}");
        Assert.All(frames, f => Assert.Equal(live.HostId, f["hostId"]!.GetValue<string>()));
        Assert.True(frames[0]["snapshot"]!.GetValue<bool>(), "the first frame is not marked as the snapshot");
        Assert.All(frames.Skip(1), f => Assert.False(f["snapshot"]!.GetValue<bool>(), "an update is marked as a snapshot"));
        Assert.Contains(frames[0]["containers"]!.AsArray(), c => c!["container"]!["id"]!.GetValue<string>() == id);
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => sequences[0] + i), sequences);
    }

    [Theory]
    [InlineData("NOPE:NOPE:NOPE")]
    [InlineData("not/a/daemon id")]
    public async Task WatchHost_UnknownOrMalformedHost_StreamEndsWithErrorNamingIt(string hostId)
    {
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var other = await hub.StreamAsync("WatchHost", [hostId], _timeout.Token);

        // REST answers 404 (unknown) or 400 (malformed) for the same id; the stream must not wait silently for ever.
        var completion = await hub.ReceiveForAsync(other, _timeout.Token);
        output.WriteLine("completion: " + completion.ToJsonString());
        Assert.Equal(HubClient.Completion, completion["type"]!.GetValue<int>());
        Assert.Contains($"'{hostId}'", completion["error"]!.GetValue<string>(), StringComparison.Ordinal);
        using var rest = await _client.GetAsync(new Uri("/api/hosts/" + Uri.EscapeDataString(hostId), UriKind.Relative));
        Assert.True(rest.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"REST answered {rest.StatusCode}");
    }

    [Fact]
    public async Task WatchContainer_PrefixOfTwelve_StreamsThatContainerUnderItsFullId()
    {
        var id = await StartSampledContainerAsync("hub-prefix");
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);

        // The 12 characters `docker ps` prints, which GET /api/containers/{id} accepts too.
        var stream = await hub.StreamAsync("WatchContainer", [id[..12]], _timeout.Token);
        var first = await hub.NextItemAsync(stream, _timeout.Token);
        var next = await hub.NextItemAsync(stream, _timeout.Token);

        Assert.Equal(id, first["container"]!["id"]!.GetValue<string>());
        Assert.True(first["snapshot"]!.GetValue<bool>(), "the window frame is not marked as the snapshot");
        Assert.NotEmpty(first["window"]!.AsArray());
        Assert.Equal(id, next["container"]!["id"]!.GetValue<string>());
        var rest = await MonitorApp.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id[..12]);
        Assert.Equal(id, rest.Container.Id);
    }

    [Theory]
    [InlineData("0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef")]
    [InlineData("0123456789ab")]
    [InlineData("NOT-A-CONTAINER")]
    [InlineData("0123456789a")]
    public async Task WatchContainer_UnknownOrMalformedId_StreamEndsWithErrorNamingIt(string containerId)
    {
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var stream = await hub.StreamAsync("WatchContainer", [containerId], _timeout.Token);

        var completion = await hub.ReceiveForAsync(stream, _timeout.Token);
        output.WriteLine("completion: " + completion.ToJsonString());
        Assert.Equal(HubClient.Completion, completion["type"]!.GetValue<int>());
        Assert.Contains($"'{containerId}'", completion["error"]!.GetValue<string>(), StringComparison.Ordinal);
        using var rest = await _client.GetAsync(new Uri("/api/containers/" + containerId, UriKind.Relative));
        Assert.True(rest.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"REST answered {rest.StatusCode}");
    }

    [Fact]
    public async Task WatchContainer_RunningContainer_WindowSnapshotFirstThenPoints()
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
            Assert.False(item["snapshot"]!.GetValue<bool>(), "an update is marked as a snapshot");
            withPoint = item["point"] is JsonObject ? item : null;
        }

        Assert.Equal(id, first["container"]!["id"]!.GetValue<string>());
        Assert.True(first["snapshot"]!.GetValue<bool>(), "the window frame is not marked as the snapshot");
        Assert.NotEmpty(first["window"]!.AsArray());
        Assert.NotNull(withPoint);
        Assert.True(withPoint["point"]!["timestamp"]!.GetValue<DateTimeOffset>() > first["window"]!.AsArray()[^1]!["timestamp"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task WatchAll_SlowReaderWithFullSocket_SkipsFramesWhileReadingClientGetsEveryOne()
    {
        // Large frames fill a connection quickly: each of these containers carries 32 labels of 2 KB into every frame,
        // about 400 KB a frame. The kernel lets the server's send buffer grow to 4 MB (tcp_wmem) and Kestrel and
        // SignalR hold about 64 KB each, so a reader that takes one frame every 3 s fills it within about 16 s.
        var labels = Enumerable.Range(0, 32).SelectMany(i => new[] { "--label", $"t.fill.{i}={new string('x', 2048)}" }).ToArray();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await _containers.RunAsync(["--name", LiveApi.UniqueName("hub-fill"), .. labels], "sleep", "600"));
        }

        foreach (var id in ids)
        {
            await Eventually.GetJsonAsync<ContainerLive>(
                _client, "/api/containers/" + id, c => c.Sample is not null, Deadline, "a sample of a large container", HttpStatusCode.NotFound);
        }

        var frames = live.App.Services.GetRequiredService<LiveFrames>();
        var replacedBefore = frames.ReplacedFrames;

        // The slow client's socket takes 4 KB: what it does not read stays in the server's buffers.
        await using var slow = await HubClient.ConnectAsync(live.App.ServerAddress!, socketReceiveBufferBytes: 4096, _timeout.Token);
        await using var fast = await HubClient.ConnectAsync(live.App.ServerAddress!, _timeout.Token);
        var slowStream = await slow.StreamAsync("WatchAll", [], _timeout.Token);
        var fastStream = await fast.StreamAsync("WatchAll", [], _timeout.Token);
        var slowFirst = await NextHostFrameAsync(slow, slowStream);
        var frameBytes = slowFirst.ToJsonString().Length;

        // For 35 s the slow client reads one frame every 3 s (and pings, as a browser does), the fast one reads all.
        // It never stops reading for long: the server drops a connection whose send is stuck for 10 s
        // (SignalR's TransportSendTimeout), and this test is about a slow client, not a dead one.
        var fastSequences = new List<long>();
        var slowSequences = new List<long> { slowFirst["sequence"]!.GetValue<long>() };
        var phase = System.Diagnostics.Stopwatch.StartNew();
        var lastSlowRead = TimeSpan.Zero;
        while (phase.Elapsed < TimeSpan.FromSeconds(35))
        {
            fastSequences.Add((await NextHostFrameAsync(fast, fastStream))["sequence"]!.GetValue<long>());
            if (phase.Elapsed - lastSlowRead >= TimeSpan.FromSeconds(3))
            {
                await slow.PingAsync(_timeout.Token);
                slowSequences.Add((await NextHostFrameAsync(slow, slowStream))["sequence"]!.GetValue<long>());
                lastSlowRead = phase.Elapsed;
            }
        }

        // Then it reads at full speed: what the connection still held, then the newest frames.
        while (slowSequences[^1] < fastSequences[^1])
        {
            slowSequences.Add((await NextHostFrameAsync(slow, slowStream))["sequence"]!.GetValue<long>());
        }

        var replaced = frames.ReplacedFrames - replacedBefore;
        output.WriteLine(FormattableString.Invariant(
            $"frame {frameBytes:N0} bytes; fast client: {string.Join(",", fastSequences)}; slow client: {string.Join(",", slowSequences)}; frames replaced in mailboxes meanwhile: {replaced}"));
        var slowGaps = slowSequences.Zip(slowSequences.Skip(1), (a, b) => b - a).ToList();
        Assert.All(slowGaps, g => Assert.True(g > 0, "the slow client got a frame twice or out of order"));
        Assert.True(slowGaps.Any(g => g > 1), "the slow client skipped no frame: its connection never filled");
        Assert.True(slowSequences.Count < fastSequences.Count, "the slow client got as many frames as the reading one");
        Assert.Equal(Enumerable.Range(0, fastSequences.Count).Select(i => fastSequences[0] + i), fastSequences);
        Assert.True(fastSequences.Count >= 20, $"only {fastSequences.Count} frames reached the reading client in 35 s");
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

        Assert.True(snapshot["snapshot"]!.GetValue<bool>(), "the new stream's first frame is not marked as the snapshot");
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
        var id = await _containers.RunAsync(["--name", name], "sleep", "600");
        await Eventually.GetJsonAsync<ContainerLiveWindow>(
            _client, $"/api/containers/{id}/live?seconds=10", w => w.Points.Count >= 2, Deadline, $"{name} to have samples", HttpStatusCode.NotFound);
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
