using Orleans.Monitor.Contracts.Containers;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.Grains.Stats.Cgroup;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Docker;

/// <summary><see cref="DockerDaemon"/>'s <c>stream=true</c> stats frames against the container's own cgroup files.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerStatsStreamTests(DockerEngine engine, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly DockerDaemon _daemon = DockerTestClient.Create(engine);
    private readonly TestContainers _containers = new(engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _daemon.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task StreamStatsAsync_BusyContainer_FramesCpuLiesBetweenCgroupReadsAroundThem()
    {
        var id = await _containers.RunAsync(["--cpus", "0.5"], "sh", "-c", "while :; do :; done");
        var details = await _daemon.InspectContainerAsync(id, "h", CancellationToken.None);
        await using var cgroup = CreateCgroupSource().CreateReader(
            new ContainerTarget(id, details.Pid, details.Info.StartedAt ?? DateTimeOffset.UnixEpoch));
        using var cts = new CancellationTokenSource(Deadline);
        var frames = _daemon.StreamStatsAsync(id, cts.Token).GetAsyncEnumerator(cts.Token);
        await using (frames)
        {
            Assert.True(await frames.MoveNextAsync());
            CounterReading? previous = null;
            for (var i = 0; i < 3; i++)
            {
                // dockerd samples about a second after the frame just received, so a cgroup read now comes before
                // the next frame's sample, and one right after the frame arrives comes after it.
                var before = await ReadCgroupAsync(cgroup);
                Assert.True(await frames.MoveNextAsync());
                var after = await ReadCgroupAsync(cgroup);
                var mapped = DockerStatsMapper.Map(frames.Current, default);
                Assert.Equal(ReadingStatus.Ok, mapped.Status);
                var frame = mapped.Reading;

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"cgroup {before.CpuTotalNanoseconds} <= frame {frame.CpuTotalNanoseconds} <= cgroup {after.CpuTotalNanoseconds}; frame read {frame.Timestamp:HH:mm:ss.fff}, received {after.Timestamp:HH:mm:ss.fff}"));
                Assert.InRange(frame.CpuTotalNanoseconds, before.CpuTotalNanoseconds, after.CpuTotalNanoseconds);
                // How soon a frame arrives after dockerd read it is a figure for the output, not a pass mark.
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"delivered {(after.Timestamp - frame.Timestamp).TotalMilliseconds:0} ms after dockerd read it"));
                if (previous is { } p)
                {
                    var sample = SampleCalculator.Compute(p, frame, (long)frame.MemoryLimitBytes);
                    Assert.NotNull(sample);
                    Assert.InRange(sample.CpuPercent, 1, 55);
                }

                previous = frame;
            }
        }

        await engine.RunAsync("rm", "-f", id);
    }

    private static CgroupStatsSource CreateCgroupSource()
    {
        var options = Options.Create(new CgroupOptions());
        return new CgroupStatsSource(options, new HostCpuClock(options, TimeProvider.System), TimeProvider.System, NullLogger<CgroupStatsSource>.Instance);
    }

    private static async Task<CounterReading> ReadCgroupAsync(IContainerStatsReader reader)
    {
        var result = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal(ReadingStatus.Ok, result.Status);
        return result.Reading;
    }
}
