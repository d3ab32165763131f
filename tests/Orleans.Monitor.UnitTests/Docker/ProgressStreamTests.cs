using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class ProgressStreamTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReadAsync_StreamFailsAfterItems_YieldsItemsThenThrowsTranslated()
    {
        var items = new List<int>();

        var ex = await Assert.ThrowsAsync<DockerUnavailableException>(async () =>
        {
            var stream = ProgressStream.ReadAsync<int>(
                (progress, _) =>
                {
                    progress.Report(1);
                    progress.Report(2);
                    return Task.FromException(new IOException("Invalid chunk header encountered: ''"));
                },
                inner => new DockerUnavailableException("unix:///d.sock", "the stream broke", inner),
                CancellationToken.None);
            await foreach (var item in stream)
            {
                items.Add(item);
            }
        });

        Assert.Equal([1, 2], items);
        Assert.IsType<IOException>(ex.InnerException);
    }

    [Fact]
    public async Task ReadAsync_StreamEnds_EndsTheSequence()
    {
        var stream = ProgressStream.ReadAsync<string>(
            async (progress, ct) =>
            {
                await Task.Yield();
                progress.Report("a");
            },
            inner => inner,
            CancellationToken.None);

        Assert.Equal(["a"], await stream.ToListAsync());
    }

    [Fact]
    public async Task ReadAsync_ReaderLeavesEarly_CancelsTheCallAndWaitsForIt()
    {
        var callEnded = false;
        using var cts = new CancellationTokenSource(Deadline);
        var stream = ProgressStream.ReadAsync<int>(
            async (progress, ct) =>
            {
                try
                {
                    progress.Report(1);
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                }
                finally
                {
                    callEnded = true;
                }
            },
            inner => inner,
            cts.Token);

        await foreach (var item in stream)
        {
            Assert.Equal(1, item);
            break;
        }

        Assert.True(callEnded);
        Assert.False(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task ReadAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var stream = ProgressStream.ReadAsync<int>(
            (progress, ct) => Task.Delay(Timeout.InfiniteTimeSpan, ct),
            inner => new DockerException(0, "not expected", inner),
            cts.Token);

        var reading = Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in stream)
            {
            }
        });
        await cts.CancelAsync();

        await reading.WaitAsync(Deadline);
    }
}
