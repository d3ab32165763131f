using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>Opens <see cref="HubStream{T}"/>s.</summary>
public static class HubStream
{
    /// <summary>
    /// Connects to <paramref name="hubUrl"/> (http or ws) and invokes the stream <paramref name="target"/>, sending
    /// <paramref name="accessToken"/> (an API key) as the <c>access_token</c> query string when given.
    /// </summary>
    public static async Task<HubStream<T>> OpenAsync<T>(
        Uri hubUrl, string target, object[] arguments, CancellationToken cancellationToken, string? accessToken = null)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);
        var stream = new HubStream<T>();
        try
        {
            var url = accessToken is null ? hubUrl : new UriBuilder(hubUrl) { Query = "access_token=" + Uri.EscapeDataString(accessToken) }.Uri;
            await stream.ConnectAsync(url, target, arguments, cancellationToken);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }
}

/// <summary>
/// A minimal SignalR client for one server-to-client stream over a real WebSocket, speaking the JSON hub protocol
/// (records end with 0x1E; handshake, then a StreamInvocation, then StreamItems), as a browser with
/// <c>skipNegotiation: true</c> does. Each item is stamped with the local time it arrived. Pings keep it open.
/// </summary>
public sealed class HubStream<T> : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<(T Item, DateTimeOffset Arrived)> _items = Channel.CreateUnbounded<(T, DateTimeOffset)>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private Task _receive = Task.CompletedTask;
    private Task _ping = Task.CompletedTask;

    internal HubStream()
    {
    }

    /// <summary>The items received so far and still unread, with their arrival time.</summary>
    public ChannelReader<(T Item, DateTimeOffset Arrived)> Items => _items.Reader;

    internal async Task ConnectAsync(Uri hubUrl, string target, object[] arguments, CancellationToken cancellationToken)
    {
        var ws = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" }.Uri;
        await _socket.ConnectAsync(ws, cancellationToken);
        await SendAsync(new { protocol = "json", version = 1 }, cancellationToken);
        var handshake = await ReceiveRecordAsync(new StringBuilder(), cancellationToken)
            ?? throw new InvalidOperationException("The hub closed during the handshake.");
        if (handshake.Contains("error", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Hub handshake failed: {handshake}");
        }

        await SendAsync(new { type = 4, invocationId = "1", target, arguments }, cancellationToken);
        _receive = ReceiveLoopAsync(_stopping.Token);
        _ping = PingLoopAsync(_stopping.Token);
    }

    /// <summary>Reads the next item, or throws when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<(T Item, DateTimeOffset Arrived)> NextAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _items.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No stream item within {timeout}.");
        }
    }

    /// <summary>Drops everything received so far, so the next read is fresh.</summary>
    public void Drain()
    {
        while (_items.Reader.TryRead(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_receive, _ping);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closing anyway.
        }

        _socket.Abort();
        _socket.Dispose();
        _stopping.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var pending = new StringBuilder();
        try
        {
            while (await ReceiveRecordAsync(pending, cancellationToken) is { } record)
            {
                var arrived = DateTimeOffset.UtcNow;
                using var message = JsonDocument.Parse(record);
                var type = message.RootElement.GetProperty("type").GetInt32();
                if (type == 2)
                {
                    var item = message.RootElement.GetProperty("item").Deserialize<T>(Json)!;
                    _items.Writer.TryWrite((item, arrived));
                }
                else if (type is 3 or 7)
                {
                    // Completion (maybe with an error) or Close: the stream is over.
                    _items.Writer.TryComplete(new InvalidOperationException($"The hub ended the stream: {record}"));
                    return;
                }
            }

            _items.Writer.TryComplete(new InvalidOperationException("The hub closed the WebSocket."));
        }
        catch (Exception ex)
        {
            _items.Writer.TryComplete(ex);
        }
    }

    private async Task PingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await SendAsync(new { type = 6 }, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The receive loop reports why the connection ended.
        }
    }

    private async Task SendAsync(object message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message) + RecordSeparator);
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

    /// <summary>Returns the next complete record; several may come in one WebSocket message, one may span several.</summary>
    private async Task<string?> ReceiveRecordAsync(StringBuilder pending, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var text = pending.ToString();
            var end = text.IndexOf(RecordSeparator, StringComparison.Ordinal);
            if (end >= 0)
            {
                pending.Remove(0, end + 1);
                return text[..end];
            }

            var result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            var chars = new char[_utf8.GetCharCount(buffer, 0, result.Count)];
            _utf8.GetChars(buffer, 0, result.Count, chars, 0);
            pending.Append(chars);
        }
    }
}
