using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Docker.Json;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class JsonLineReaderTests
{
    [Fact]
    public async Task ReadAsync_LinesSplitAcrossWrites_YieldsEachDocument()
    {
        var pipe = new Pipe();
        await using var reader = new JsonLineReader<ErrorJson>(pipe.Reader.AsStream(), DockerJsonContext.Default.ErrorJson);

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("{\"message\":\"a\"}\n{\"mess"));
        var first = await reader.ReadAsync(CancellationToken.None);
        var pending = reader.ReadAsync(CancellationToken.None);
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("age\":\"b\"}\n\n{\"message\":\"c\"}"));
        var second = await pending;
        await pipe.Writer.CompleteAsync();
        var last = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal("a", first!.Message);
        Assert.Equal("b", second!.Message);
        Assert.Equal("c", last!.Message);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_MalformedLine_ThrowsOnceThenContinues()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{broken\n{\"message\":\"ok\"}\n"));
        await using var reader = new JsonLineReader<ErrorJson>(stream, DockerJsonContext.Default.ErrorJson);

        await Assert.ThrowsAnyAsync<JsonException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
        Assert.Equal("ok", (await reader.ReadAsync(CancellationToken.None))!.Message);
    }

    [Fact]
    public async Task ReadAsync_RecordedRestartStream_ParsesEveryFrame()
    {
        await using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Frames", "restart.ndjson"));
        await using var reader = new JsonLineReader<StatsJson>(stream, StatsJsonContext.Default.StatsJson);

        var count = 0;
        while (await reader.ReadAsync(CancellationToken.None) is not null)
        {
            count++;
        }

        Assert.Equal(12, count);
    }
}
