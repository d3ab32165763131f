using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// Reads newline-delimited JSON (every document dockerd streams ends with <c>\n</c>) straight from pooled pipe
/// buffers, so a long-lived stream allocates only the objects it yields.
/// </summary>
internal sealed class JsonLineReader<T>(Stream stream, JsonTypeInfo<T> typeInfo) : IAsyncDisposable
    where T : class
{
    private readonly PipeReader _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: false));

    /// <summary>The next document, or null at the end of the stream.</summary>
    /// <exception cref="JsonException">A malformed line; it is consumed, so the next read moves on.</exception>
    public async ValueTask<T?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is null && !result.IsCompleted)
            {
                _pipe.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // A final document without its newline still counts.
            var line = newline is { } end ? buffer.Slice(0, end) : buffer;
            var consumed = newline is { } at ? buffer.GetPosition(1, at) : buffer.End;
            try
            {
                if (!IsBlank(line))
                {
                    return Parse(line);
                }
            }
            finally
            {
                _pipe.AdvanceTo(consumed);
            }

            if (newline is null)
            {
                return null;
            }
        }
    }

    public async ValueTask DisposeAsync() => await _pipe.CompleteAsync().ConfigureAwait(false);

    private T? Parse(ReadOnlySequence<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        return JsonSerializer.Deserialize(ref reader, typeInfo);
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
