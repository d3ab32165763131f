using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Orleans.Monitor.Bench.Latency;

/// <summary>One SignalR record and the moment its last byte arrived (<see cref="Stopwatch"/> ticks).</summary>
public readonly record struct HubRecord(ReadOnlyMemory<byte> Json, long ArrivedAt);

/// <summary>
/// The smallest SignalR client that suffices here: JSON hub protocol over a WebSocket (no negotiate),
/// records terminated by 0x1E, one stream invocation, and pings so the server keeps the connection.
/// </summary>
public sealed class LiveHubClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan s_pingInterval = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _pending = new(1 << 16);
    private readonly CancellationTokenSource _stopping = new();
    private Task _pings = Task.CompletedTask;

    private LiveHubClient()
    {
    }

    public static async Task<LiveHubClient> ConnectAsync(Uri baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var client = new LiveHubClient();
        var scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var hub = new UriBuilder(baseUrl) { Scheme = scheme, Path = "/hubs/live" }.Uri;
        await client._socket.ConnectAsync(hub, cancellationToken);
        await client.SendAsync("""{"protocol":"json","version":1}""", cancellationToken);
        var handshake = await client.ReadRecordAsync(cancellationToken);
        using (var response = JsonDocument.Parse(handshake.Json))
        {
            if (response.RootElement.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"hub handshake refused: {error.GetString()}");
            }
        }

        client._pings = client.PingAsync(client._stopping.Token);
        return client;
    }

    /// <summary>Sends a StreamInvocation (type 4) with invocation id "1".</summary>
    public Task StartStreamAsync(string target, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = 4,
            ["invocationId"] = "1",
            ["target"] = target,
            ["arguments"] = arguments,
        });
        return SendAsync(message, cancellationToken);
    }

    /// <summary>Reads the next record; the arrival time is taken when the chunk holding its separator was received.</summary>
    public async Task<HubRecord> ReadRecordAsync(CancellationToken cancellationToken)
    {
        var arrivedAt = Stopwatch.GetTimestamp();
        while (true)
        {
            var end = _pending.WrittenSpan.IndexOf(RecordSeparator);
            if (end >= 0)
            {
                var record = _pending.WrittenSpan[..end].ToArray();
                var rest = _pending.WrittenSpan[(end + 1)..].ToArray();
                _pending.Clear();
                _pending.Write(rest);
                return new HubRecord(record, arrivedAt);
            }

            var result = await _socket.ReceiveAsync(_pending.GetMemory(1 << 16), cancellationToken);
            arrivedAt = Stopwatch.GetTimestamp();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"hub closed the connection: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
            }

            _pending.Advance(result.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _pings;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }

        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server may already be gone at the end of a run; nothing to clean up then.
            }
        }

        _socket.Dispose();
        _sendLock.Dispose();
        _stopping.Dispose();
    }

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_pingInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await SendAsync("""{"type":6}""", cancellationToken);
        }
    }

    private async Task SendAsync(string json, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(json + (char)RecordSeparator);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
