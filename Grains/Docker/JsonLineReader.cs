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
    public async ValueTask<T?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadLine(ref buffer, out var value))
            {
                _pipe.AdvanceTo(buffer.Start);
                if (value is not null)
                {
                    return value;
                }

                continue;
            }

            if (result.IsCompleted)
            {
                // A final document without its newline still counts.
                var last = buffer.IsEmpty ? null : Parse(buffer);
                _pipe.AdvanceTo(buffer.End);
                return last;
            }

            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public async ValueTask DisposeAsync() => await _pipe.CompleteAsync().ConfigureAwait(false);

    private bool TryReadLine(ref ReadOnlySequence<byte> buffer, out T? value)
    {
        value = null;
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            return false;
        }

        var line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        value = IsBlank(line) ? null : Parse(line);
        return true;
    }

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
