using System.Net;
using System.Net.Sockets;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// Exposes a unix socket on 127.0.0.1:&lt;free port&gt;, byte for byte, so a <c>tcp://</c> client can reach a test
/// dockerd that listens on its unix socket only.
/// </summary>
public sealed class TcpToUnixForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly string _socketPath;
    private readonly Task _accepting;

    public TcpToUnixForwarder(string socketPath)
    {
        _socketPath = socketPath;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The <c>DOCKER_HOST</c> value that reaches the socket through this forwarder.</summary>
    public string DockerHost => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), _stop.Token);
                await using var upstream = new NetworkStream(unix, ownsSocket: false);
                var downstream = client.GetStream();
                // Either side closing ends both directions.
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = downstream.CopyToAsync(upstream, done.Token);
                var down = upstream.CopyToAsync(downstream, done.Token);
                await Task.WhenAny(up, down);
                await done.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // A connection closed by either side, or the forwarder stopping.
            }
        }
    }
}
