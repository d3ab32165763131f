using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A minimal SignalR client speaking the JSON hub protocol over a raw WebSocket (the .NET SignalR client is not
/// available here): records end with 0x1E; types 1 Invocation, 2 StreamItem, 3 Completion, 4 StreamInvocation,
/// 5 CancelInvocation, 6 Ping, 7 Close.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    public const int StreamItem = 2;
    public const int Completion = 3;
    public const int Ping = 6;
    public const int Close = 7;

    private const byte RecordSeparator = 0x1E;
    private readonly ClientWebSocket _socket = new();
    private readonly Queue<JsonObject> _pending = new();
    private readonly MemoryStream _partial = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _nextInvocation;
    private SocketsHttpHandler? _handler;

    private HubClient()
    {
    }

    /// <summary>Connects to <c>/hubs/live</c> with WebSockets (skipping negotiation) and completes the handshake.</summary>
    public static Task<HubClient> ConnectAsync(Uri serverAddress, CancellationToken cancellationToken) =>
        ConnectAsync(serverAddress, socketReceiveBufferBytes: null, cancellationToken);

    /// <summary>
    /// As <see cref="ConnectAsync(Uri, CancellationToken)"/>, sending <paramref name="accessToken"/> (an API key) as
    /// SignalR clients do on WebSockets: the <c>access_token</c> query string.
    /// </summary>
    public static Task<HubClient> ConnectAsync(Uri serverAddress, string? accessToken, CancellationToken cancellationToken) =>
        ConnectAsync(serverAddress, socketReceiveBufferBytes: null, cancellationToken, accessToken);

    /// <summary>
    /// As <see cref="ConnectAsync(Uri, CancellationToken)"/>, with the TCP receive buffer of the client's socket set
    /// before it connects: a small one lets a client that stops reading fill its connection with little data.
    /// </summary>
    public static async Task<HubClient> ConnectAsync(
        Uri serverAddress, int? socketReceiveBufferBytes, CancellationToken cancellationToken, string? accessToken = null)
    {
        ArgumentNullException.ThrowIfNull(serverAddress);
        var client = new HubClient();
        var url = new UriBuilder(new Uri(serverAddress, "/hubs/live"))
        {
            Scheme = "ws",
            Query = accessToken is null ? "" : "access_token=" + Uri.EscapeDataString(accessToken),
        }.Uri;
        if (socketReceiveBufferBytes is { } receiveBuffer)
        {
            // Kept until the client is disposed: it owns the upgraded connection.
            var handler = client._handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = receiveBuffer, NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
            await client._socket.ConnectAsync(url, invoker, cancellationToken);
        }
        else
        {
            await client._socket.ConnectAsync(url, cancellationToken);
        }

        await client.SendAsync("""{"protocol":"json","version":1}""", cancellationToken);
        var handshake = await client.ReceiveRecordAsync(cancellationToken);
        if (handshake.ContainsKey("error"))
        {
            throw new InvalidOperationException("Handshake failed: " + handshake.ToJsonString());
        }

        return client;
    }

    /// <summary>Sends a StreamInvocation; returns its invocation id.</summary>
    public async Task<string> StreamAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
    {
        var id = (++_nextInvocation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = new JsonObject
        {
            ["type"] = 4,
            ["invocationId"] = id,
            ["target"] = target,
            ["arguments"] = JsonSerializer.SerializeToNode(arguments),
        };
        await SendAsync(message.ToJsonString(), cancellationToken);
        return id;
    }

    /// <summary>Sends a CancelInvocation: the server ends that stream (and frees its slot of the connection's streams).</summary>
    public Task CancelAsync(string invocationId, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["type"] = 5, ["invocationId"] = invocationId }.ToJsonString(), cancellationToken);

    /// <summary>Sends a ping: the server closes a connection it hears nothing from for 30 s, even one that is not reading.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => SendAsync("""{"type":6}""", cancellationToken);

    /// <summary>The next message that is not a ping.</summary>
    public async Task<JsonObject> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReceiveRecordAsync(cancellationToken);
            if (message["type"]?.GetValue<int>() != Ping)
            {
                return message;
            }
        }
    }

    /// <summary>The next StreamItem or Completion of one invocation; other invocations' messages are dropped.</summary>
    public async Task<JsonObject> ReceiveForAsync(string invocationId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReceiveAsync(cancellationToken);
            if (message["type"]?.GetValue<int>() == Close)
            {
                throw new InvalidOperationException("The server closed the connection: " + message.ToJsonString());
            }

            if (message["invocationId"]?.GetValue<string>() == invocationId)
            {
                return message;
            }
        }
    }

    /// <summary>The next item of a stream; fails on its completion.</summary>
    public async Task<JsonObject> NextItemAsync(string invocationId, CancellationToken cancellationToken)
    {
        var message = await ReceiveForAsync(invocationId, cancellationToken);
        if (message["type"]!.GetValue<int>() != StreamItem)
        {
            throw new InvalidOperationException($"Stream {invocationId} ended: {message.ToJsonString()}");
        }

        return message["item"]!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone; disposal below releases the socket either way.
            }
        }

        _socket.Dispose();
        _handler?.Dispose();
        await _partial.DisposeAsync();
    }

    private Task SendAsync(string json, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(json + (char)RecordSeparator);
        return _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
    }

    private async Task<JsonObject> ReceiveRecordAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count == 0)
        {
            var result = await _socket.ReceiveAsync(_buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"WebSocket closed: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            var start = 0;
            for (var i = 0; i < result.Count; i++)
            {
                if (_buffer[i] != RecordSeparator)
                {
                    continue;
                }

                _partial.Write(_buffer, start, i - start);
                _pending.Enqueue(JsonNode.Parse(_partial.ToArray())!.AsObject());
                _partial.SetLength(0);
                start = i + 1;
            }

            _partial.Write(_buffer, start, result.Count - start);
        }

        return _pending.Dequeue();
    }
}
