using System.Diagnostics;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.IntegrationTests.Silo;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Docker;

/// <summary><see cref="DockerDaemon"/>'s streams when their dockerd stops: each test stops an engine of its own.</summary>
[Collection(DockerFaultsCollection.Name)]
public sealed class DockerDaemonFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Streams_DaemonStops_ThrowUnavailableNamingHost()
    {
        var engine = new DockerEngine();
        try
        {
            await ((IAsyncLifetime)engine).InitializeAsync();
            using var daemon = DockerTestClient.Create(engine);
            using var cts = new CancellationTokenSource(Deadline);
            // sh as PID 1 ignores SIGTERM unless trapped; trapped, the container stops at once with the daemon.
            var id = await engine.RunContainerAsync([], "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done");
            // From a second ago: the probe's create event is replayed even if it beats the subscription.
            var since = (DateTimeOffset.UtcNow.AddSeconds(-1) - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;
            var events = daemon.StreamContainerEventsAsync(since, cts.Token).GetAsyncEnumerator(cts.Token);
            var stats = daemon.StreamStatsAsync(id, cts.Token).GetAsyncEnumerator(cts.Token);
            await using (events)
            await using (stats)
            {
                // Both streams are up once a frame arrived and the event stream delivered the probe's create.
                Assert.True(await stats.MoveNextAsync());
                var opening = events.MoveNextAsync().AsTask();
                var probe = (await engine.RunAsync("create", DockerEngine.BusyboxImage, "true")).Trim();
                Assert.True(await opening);
                while (events.Current.ActorId != probe)
                {
                    Assert.True(await events.MoveNextAsync());
                }

                var clock = Stopwatch.StartNew();
                await engine.StopAsync(cts.Token);
                var stopped = clock.Elapsed;

                var eventsEnd = await EndOfAsync(events);
                var statsEnd = await EndOfAsync(stats);
                output.WriteLine(FormattableString.Invariant($"dockerd stopped in {stopped.TotalSeconds:0.0} s"));
                output.WriteLine("events stream: " + Describe(eventsEnd));
                output.WriteLine("stats stream: " + Describe(statsEnd));

                var unavailable = Assert.IsType<DockerUnavailableException>(eventsEnd);
                Assert.Equal(engine.DockerHost, unavailable.Host);
                Assert.Contains("DOCKER_HOST", unavailable.Message, StringComparison.Ordinal);
                // The stats stream either breaks the same way or ends: the reader reopens it and finds the daemon gone.
                Assert.True(statsEnd is null or DockerUnavailableException, Describe(statsEnd));
            }

            await Assert.ThrowsAsync<DockerUnavailableException>(() => daemon.GetHostInfoAsync("docker-api", cts.Token));
        }
        finally
        {
            await ((IAsyncLifetime)engine).DisposeAsync();
        }
    }

    /// <summary>Reads to the end: null for a clean end, else what the stream threw.</summary>
    private static async Task<Exception?> EndOfAsync<T>(IAsyncEnumerator<T> stream)
    {
        try
        {
            while (await stream.MoveNextAsync())
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ex;
        }
    }

    private static string Describe(Exception? end) => end is null
        ? "ended cleanly"
        : $"{end.GetType().Name}: {end.Message} <- {end.InnerException?.GetType().Name}: {end.InnerException?.Message}";
}
