using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// One built Orleans.Monitor executable (Silo or Api) run as a real process with <c>dotnet</c>: its stdout and stderr
/// go to files (no pipe can fill up and block it), it can be killed or stopped with SIGTERM, and it is always
/// killed on dispose.
/// </summary>
public sealed class MonitorProcess : IAsyncDisposable
{
    private static readonly string[] InheritedSettings =
    [
        "DOCKER_HOST", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ConnectionStrings__Monitor",
        "ConnectionStrings__Redis",
    ];

    private readonly Process _process;

    private MonitorProcess(Process process, string name, string stdoutPath, string stderrPath)
    {
        _process = process;
        Name = name;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
    }

    public string Name { get; }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Starts <paramref name="assemblyName"/> (e.g. <c>Orleans.Monitor.Silo</c>) built from <paramref name="projectFolder"/>
    /// with only the given settings on top of a cleaned environment.
    /// </summary>
    public static MonitorProcess Start(
        string projectFolder, string assemblyName, string name, string logDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var dll = FindBuiltAssembly(projectFolder, assemblyName);
        return StartDotnet(Path.GetDirectoryName(dll)!, [dll], name, logDirectory, environment);
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> (e.g. <c>run --project Api</c>) in
    /// <paramref name="workingDirectory"/>, with only the given settings on top of a cleaned environment.
    /// </summary>
    public static MonitorProcess StartDotnet(
        string workingDirectory, IReadOnlyList<string> arguments, string name, string logDirectory, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        Directory.CreateDirectory(logDirectory);
        var stamp = DateTime.UtcNow.ToString("HHmmss.fff", CultureInfo.InvariantCulture);
        var stdout = Path.Combine(logDirectory, $"{name}-{stamp}.out.log");
        var stderr = Path.Combine(logDirectory, $"{name}-{stamp}.err.log");

        // exec keeps the pid of the started process equal to dotnet's; the shell only redirects to files.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec dotnet {string.Join(' ', arguments.Select(Quote))} >>{Quote(stdout)} 2>>{Quote(stderr)} </dev/null");
        foreach (var key in InheritedSettings)
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start dotnet {string.Join(' ', arguments)}.");
        return new MonitorProcess(process, name, stdout, stderr);
    }

    /// <summary>
    /// A free TCP port on 127.0.0.1 for a process to bind later (Orleans cannot bind port 0 and report it). Picked below
    /// Linux's ephemeral range (32768-60999): port 0 and every outgoing connection draw from that range, so a port
    /// taken from it can be handed to a client socket of a test running alongside before the process binds it.
    /// </summary>
    public static int FreePort()
    {
        lock (GivenPorts)
        {
            while (true)
            {
                var port = Random.Shared.Next(20_000, 32_768);
                if (!GivenPorts.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use: try another.
                }
            }
        }
    }

    private static readonly HashSet<int> GivenPorts = [];

    /// <summary>The folder of Orleans.Monitor.sln above the test output.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Monitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Orleans.Monitor.sln is not above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The dll built for <paramref name="projectFolder"/> in the configuration and target framework the tests run
    /// under (the test project references the Api, so building the tests builds both), else the copy next to the tests.
    /// </summary>
    public static string FindBuiltAssembly(string projectFolder, string assemblyName)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var targetFramework = testOutput.Name;
        var configuration = testOutput.Parent?.Name ?? "Debug";
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Monitor.sln")))
            {
                var built = Path.Combine(dir.FullName, projectFolder, "bin", configuration, targetFramework, assemblyName + ".dll");
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        var copy = Path.Combine(testOutput.FullName, assemblyName + ".dll");
        return File.Exists(copy)
            ? copy
            : throw new FileNotFoundException($"{assemblyName}.dll is not built; run `dotnet build Orleans.Monitor.sln -c {configuration}` first.");
    }

    /// <summary>SIGKILL: the process gets no chance to leave membership.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>SIGTERM and wait for a graceful exit; SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(CancellationToken.None);
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Sends a signal (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>) and returns at once.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync(CancellationToken.None);
        if (kill.ExitCode != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill -{signal} {Pid} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}.\n{Tail()}");
        }

        return _process.ExitCode;
    }

    public string ReadStdout() => ReadShared(StdoutPath);

    public string ReadStderr() => ReadShared(StderrPath);

    /// <summary>The last lines of both outputs, for failure messages.</summary>
    public string Tail(int lines = 30)
    {
        static string Last(string text, int count) =>
            string.Join('\n', text.Split('\n').TakeLast(count));

        return $"--- {Name} (pid {Pid}, exit {ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "running"}) stdout {StdoutPath}:\n"
            + Last(ReadStdout(), lines) + $"\n--- stderr:\n" + Last(ReadStderr(), lines);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
