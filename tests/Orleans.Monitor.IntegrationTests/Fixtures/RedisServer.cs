using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A private <c>redis-server</c> (Debian's package) on 127.0.0.1 with its own folder, never the system service:
/// no persistence unless asked. It can be stopped for an outage and started again on the same port; with
/// <c>keepData</c> it saves first, and the restarted server loads that file. Stopped by its pid on dispose.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "redis-" + Guid.NewGuid().ToString("N")[..10]);
    private Process? _server;

    /// <summary>A free port is chosen at construction, so a test can hand it out before the server first starts.</summary>
    public RedisServer()
    {
        Port = FreePort();
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string that reaches this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _server is { HasExited: false };

    public string LogPath => Path.Combine(_root, "redis.log");

    /// <summary>Starts the server (not started by <see cref="InitializeAsync"/> when a test wants it absent at first).</summary>
    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts redis-server on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var redis = FindExecutable("redis-server")
            ?? throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server; tests/run.sh does it).");
        Directory.CreateDirectory(_root);
        var args = string.Join(' ',
            Quote(redis),
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", Quote(_root),
            "--save", "''",
            "--appendonly", "no",
            "--daemonize", "no");

        // exec keeps the server's pid equal to the started process; the shell only redirects its output to a file.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {args} >>{Quote(LogPath)} 2>&1 </dev/null");
        _server = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_server.ExitCode} at start:\n{ReadLog()}");
            }

            try
            {
                if (await CommandAsync("PING") == "+PONG")
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > StartDeadline)
            {
                throw new TimeoutException($"redis-server did not answer PING on {Port} within {StartDeadline}:\n{ReadLog()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>
    /// SIGTERM, as an outage begins. With <paramref name="keepData"/> the data set is saved first (SAVE) and loaded again
    /// by <see cref="StartAsync"/>: Orleans' membership table must survive, an empty restarted Redis breaks it.
    /// </summary>
    public async Task StopAsync(bool keepData)
    {
        if (!IsRunning)
        {
            return;
        }

        if (keepData)
        {
            var saved = await CommandAsync("SAVE");
            if (saved != "+OK")
            {
                throw new InvalidOperationException($"SAVE answered {saved}");
            }
        }

        var server = _server!;
        using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(StopDeadline);
        try
        {
            await server.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
        }

        server.Dispose();
        _server = null;
    }

    /// <summary>Sends one inline command and returns the first line of the reply (e.g. <c>+PONG</c>).</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    public async Task DisposeAsync()
    {
        await StopAsync(keepData: false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Never started.
        }
    }

    private string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
