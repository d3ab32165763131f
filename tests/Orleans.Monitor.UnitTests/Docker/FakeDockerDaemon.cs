using System.Net.Sockets;
using System.Text;

namespace Orleans.Monitor.UnitTests.Docker;

/// <summary>A canned HTTP/1.1 responder on a unix socket, standing in for dockerd where only its answers matter.</summary>
internal sealed class FakeDockerDaemon : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, string> _respond;
    private readonly Task _accepting;

    /// <param name="respond">Maps a request path to the full raw response (status line, headers, body).</param>
    public FakeDockerDaemon(Func<string, string> respond)
    {
        _respond = respond;
        SocketPath = Path.Combine(Path.GetTempPath(), "omfake-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public string SocketPath { get; }

    public string Host => "unix://" + SocketPath;

    public List<string> Paths { get; } = [];

    public static string Response(int status, string body, string contentType = "application/json", string extraHeaders = "") =>
        $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\n{extraHeaders}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        File.Delete(SocketPath);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                connections.Add(ServeAsync(socket));
            }
        }
        finally
        {
            await Task.WhenAll(connections);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket);
        var buffer = new byte[8192];
        var request = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                var text = request.ToString();
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                request.Remove(0, end + 4);
                var path = text.Split(' ')[1];
                lock (Paths)
                {
                    Paths.Add(path);
                }

                await stream.WriteAsync(Encoding.UTF8.GetBytes(_respond(path)), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
        }
    }
}
