using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>How a <see cref="FakeSiloEndpoint"/> misbehaves.</summary>
public enum FakeSiloBehavior
{
    /// <summary>Accepts connections and never sends a byte.</summary>
    Hang,

    /// <summary>Answers 200 text/event-stream, then sends events whose data is not a host frame, and keeps the stream open.</summary>
    Garbage,
}

/// <summary>A TCP endpoint on 127.0.0.1 that looks like a silo to the network but hangs or answers garbage.</summary>
public sealed class FakeSiloEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly FakeSiloBehavior _behavior;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _clients = [];
    private readonly List<Task> _handlers = [];
    private readonly Lock _gate = new();
    private readonly Task _accept;
    private int _connections;

    public FakeSiloEndpoint(FakeSiloBehavior behavior)
    {
        _behavior = behavior;
        _listener.Start();
        _accept = AcceptLoopAsync(_stopping.Token);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far (the Api reconnects with backoff).</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        try
        {
            await _accept;
            Task[] handlers;
            lock (_gate)
            {
                handlers = [.. _handlers];
            }

            await Task.WhenAll(handlers);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                Interlocked.Increment(ref _connections);
                lock (_gate)
                {
                    _clients.Add(client);
                    if (_behavior == FakeSiloBehavior.Garbage)
                    {
                        _handlers.Add(AnswerGarbageAsync(client, cancellationToken));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private static async Task AnswerGarbageAsync(TcpClient client, CancellationToken cancellationToken)
    {
        try
        {
            var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
                + "event: frame\ndata: {\"this is\": not a host frame\n\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The Api hung up or the endpoint stopped.
        }
    }
}
