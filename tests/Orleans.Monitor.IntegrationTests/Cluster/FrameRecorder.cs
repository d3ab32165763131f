using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// Reads an Api's <c>WatchAll</c> hub stream in the background and keeps every frame with its arrival time, so a test
/// can disturb the cluster meanwhile and look at what the browser would have seen afterwards.
/// </summary>
public sealed class FrameRecorder : IAsyncDisposable
{
    /// <summary>A healthy stream carries a frame of every host each second; this much silence ends the recording with an error.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(30);

    private readonly HubStream<HostFrame> _stream;
    private readonly List<RecordedFrame> _frames = [];
    private readonly Lock _gate = new();
    private readonly Task _reading;

    public FrameRecorder(string api, HubStream<HostFrame> stream)
    {
        Api = api;
        _stream = stream;
        _reading = ReadAsync();
    }

    public string Api { get; }

    /// <summary>Why the stream ended, if it did.</summary>
    public Exception? Error { get; private set; }

    public IReadOnlyList<RecordedFrame> Frames
    {
        get
        {
            lock (_gate)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Frames of <paramref name="hostId"/> that arrived in [from, to], in arrival order.</summary>
    public IReadOnlyList<RecordedFrame> Of(string hostId, DateTimeOffset from, DateTimeOffset to) =>
        [.. Frames.Where(f => f.Frame.HostId == hostId && f.Arrived >= from && f.Arrived <= to)];

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _reading;
    }

    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                var (frame, arrived) = await _stream.NextAsync(Silence);
                lock (_gate)
                {
                    _frames.Add(new RecordedFrame(frame, arrived));
                }
            }
        }
        catch (Exception ex)
        {
            // Also how it ends on dispose; a test checks Error only while the stream should be open.
            Error = ex;
        }
    }
}

/// <summary>A frame and when it arrived here.</summary>
public sealed record RecordedFrame(HostFrame Frame, DateTimeOffset Arrived);
