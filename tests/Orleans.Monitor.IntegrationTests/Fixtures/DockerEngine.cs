using System.Diagnostics;
using System.Formats.Tar;
using System.Net.Sockets;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// A private dockerd started for tests, with its own data, exec root and unix socket under /tmp; never the
/// machine's default engine. Several can run side by side.
/// </summary>
public sealed class DockerEngine : IAsyncLifetime
{
    /// <summary>The busybox image every engine imports at start (no registry is reachable).</summary>
    public const string BusyboxImage = "busybox:local";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CliDeadline = TimeSpan.FromMinutes(2);

    private Process? _daemon;

    public DockerEngine()
    {
        // Short and unique: a unix socket path must stay under 108 bytes, and engines run side by side.
        Root = Path.Combine("/tmp", "omd-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The folder holding everything this engine writes.</summary>
    public string Root { get; }

    /// <summary>The engine's unix socket path.</summary>
    public string Socket => Path.Combine(Root, "docker.sock");

    /// <summary>The <c>DOCKER_HOST</c> value that reaches this engine.</summary>
    public string DockerHost => "unix://" + Socket;

    /// <summary>dockerd's own output, for diagnosing a failed start.</summary>
    public string LogPath => Path.Combine(Root, "dockerd.log");

    /// <summary>The running dockerd's pid, or null while stopped.</summary>
    public int? DaemonPid => _daemon is { HasExited: false } daemon ? daemon.Id : null;

    public bool IsRunning => DaemonPid is not null;

    async Task IAsyncLifetime.InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartDeadline + CliDeadline);
        await StartAsync(cts.Token);
        await ImportBusyboxAsync(cts.Token);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        using var cts = new CancellationTokenSource(StopDeadline + CliDeadline);
        try
        {
            if (IsRunning)
            {
                var ids = await RunAsync(["ps", "-aq"], cts.Token);
                var list = ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (list.Length > 0)
                {
                    await RunAsync(["rm", "-f", .. list], cts.Token);
                }
            }
        }
        finally
        {
            await StopAsync(cts.Token);
            DeleteRoot();
        }
    }

    /// <summary>Starts dockerd (again, after <see cref="StopAsync"/>) and waits until <c>/_ping</c> answers OK.</summary>
    /// <remarks>Not thread-safe: a test drives one engine's lifecycle from one place.</remarks>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
        return;
        }

        var dockerd = FindExecutable("dockerd")
            ?? throw new InvalidOperationException(
                "dockerd is not installed: the Docker integration tests need it on PATH (apt-get install -y docker.io busybox-static).");
        File.Delete(Socket);

        // The daemon ID (/info ID) derives from a trust key, /etc/docker/key.json by default and so shared by every
        // engine on the machine; a key of its own (settable only in a config file) gives each engine its own identity.
        var configFile = Path.Combine(Root, "daemon.json");
        await File.WriteAllTextAsync(
            configFile, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["deprecated-key-path"] = Path.Combine(Root, "key.json") }), cancellationToken);

        var args = string.Join(' ',
            Quote(dockerd),
            "--config-file", Quote(configFile),
            "--data-root", Quote(Path.Combine(Root, "data")),
            "--exec-root", Quote(Path.Combine(Root, "exec")),
            "-H", Quote(DockerHost),
            "--pidfile", Quote(Path.Combine(Root, "docker.pid")),
            "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false");

        // exec keeps dockerd's pid equal to the started process; the shell only redirects output to a file
        // so an unread pipe can never block the daemon.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {args} >>{Quote(LogPath)} 2>&1 </dev/null");
        _daemon = Process.Start(start) ?? throw new InvalidOperationException("Could not start dockerd.");

        await WaitForPingAsync(_daemon, cancellationToken);
    }

    /// <summary>Stops dockerd with SIGTERM (SIGKILL after a deadline); containers and images stay on disk.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_daemon is null)
        {
            return;
        }

        if (!_daemon.HasExited)
        {
            await RunProcessAsync("kill", ["-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StopDeadline);
            try
            {
                await _daemon.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _daemon.Kill(entireProcessTree: true);
                await _daemon.WaitForExitAsync(CancellationToken.None);
            }
        }

        _daemon.Dispose();
        _daemon = null;
    }

    /// <summary>Runs the docker CLI against this engine; returns stdout, throws with stderr on a non-zero exit.</summary>
    public Task<string> RunAsync(params string[] dockerArgs) => RunWithDeadlineAsync(dockerArgs);

    /// <inheritdoc cref="RunAsync(string[])"/>
    public async Task<string> RunAsync(IReadOnlyList<string> dockerArgs, CancellationToken cancellationToken)
    {
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = DockerHost,
            ["DOCKER_CONFIG"] = Path.Combine(Root, "cli"),
            ["DOCKER_CONTEXT"] = null,
            ["DOCKER_TLS_VERIFY"] = null,
            ["DOCKER_CERT_PATH"] = null,
            ["DOCKER_API_VERSION"] = null,
        };
        var docker = FindExecutable("docker") ?? throw new InvalidOperationException("The docker CLI is not on PATH.");
        return await RunProcessAsync(docker, dockerArgs, env, cancellationToken);
    }

    /// <summary>Runs a detached busybox container with <c>--network none</c>; returns its full id.</summary>
    public async Task<string> RunContainerAsync(IReadOnlyList<string> options, params string[] command)
    {
        var output = await RunAsync(["run", "-d", "--network", "none", .. options, BusyboxImage, .. command]);
        return output.Trim();
    }

    private async Task<string> RunWithDeadlineAsync(string[] dockerArgs)
    {
        using var cts = new CancellationTokenSource(CliDeadline);
        return await RunAsync(dockerArgs, cts.Token);
    }

    private async Task ImportBusyboxAsync(CancellationToken cancellationToken)
    {
        var rootfs = Path.Combine(Root, "rootfs");
        var bin = Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        foreach (var dir in new[] { "tmp", "etc", "proc", "sys", "dev" })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        }

        var busybox = File.Exists("/bin/busybox") ? "/bin/busybox" : FindExecutable("busybox")
            ?? throw new InvalidOperationException("busybox is not installed (apt-get install -y busybox-static).");
        File.Copy(busybox, Path.Combine(bin, "busybox"), overwrite: true);
        var applets = await RunProcessAsync(busybox, ["--list"], null, cancellationToken);
        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet != "busybox" && !File.Exists(Path.Combine(bin, applet)))
            {
                File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
            }
        }

        var tar = Path.Combine(Root, "rootfs.tar");
        await TarFile.CreateFromDirectoryAsync(rootfs, tar, includeBaseDirectory: false, cancellationToken);
        await RunAsync(["import", "--change", "CMD [\"sh\"]", tar, BusyboxImage], cancellationToken);
        Directory.Delete(rootfs, recursive: true);
        File.Delete(tar);
    }

    /// <summary>An HTTP client of this engine's API over its Unix socket (base address <c>http://localhost</c>).</summary>
    public HttpClient CreateApiClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri("http://localhost"), Timeout = timeout };
    }

    private async Task WaitForPingAsync(Process daemon, CancellationToken cancellationToken)
    {
        using var http = CreateApiClient(TimeSpan.FromSeconds(5));

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"dockerd exited with {daemon.ExitCode} during start:\n{ReadLogTail()}");
            }

            if (File.Exists(Socket))
            {
                try
                {
                    var body = await http.GetStringAsync(new Uri("/_ping", UriKind.Relative), cancellationToken);
                    if (body == "OK")
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // Not listening yet.
                }
            }

            if (deadline.Elapsed > StartDeadline)
            {
                throw new TimeoutException($"dockerd did not answer /_ping on {Socket} within {StartDeadline}:\n{ReadLogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private string ReadLogTail()
    {
        if (!File.Exists(LogPath))
        {
            return "(no log)";
        }

        var lines = File.ReadAllLines(LogPath);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
    }

    private void DeleteRoot()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover mount must not fail the test run; the folder is under /tmp and uniquely named.
        }
    }

    private static async Task<string> RunProcessAsync(
        string fileName, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? env, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (env is not null)
        {
            foreach (var (key, value) in env)
            {
                if (value is null)
                {
                    start.Environment.Remove(key);
                }
                else
                {
                    start.Environment[key] = value;
                }
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        var error = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{Path.GetFileName(fileName)} {string.Join(' ', args)}` exited with {process.ExitCode}: {error.Trim()}");
        }

        return output;
    }

    private static string? FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/usr/bin", "/sbin", "/usr/local/bin"]);
        return dirs.Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>Shares one <see cref="DockerEngine"/> across the tests of the "docker" collection.</summary>
[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEngine>
{
    public const string Name = "docker";
}
