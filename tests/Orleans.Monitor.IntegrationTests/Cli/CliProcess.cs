using System.Diagnostics;
using System.Text;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>What one run of the built <c>orleans-monitor</c> printed and how it exited.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>
/// Runs the built CLI (<c>dotnet Cli/bin/.../orleans-monitor.dll</c>) as a real process, with stdout and stderr
/// redirected as a script would, and a clean environment (no <c>ORLEANS_MONITOR_*</c> from the machine).
/// </summary>
public static class CliProcess
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>The built <c>orleans-monitor.dll</c> (the test project builds the Cli project).</summary>
    public static string Dll => MonitorProcess.FindBuiltAssembly("Cli", "orleans-monitor");

    public static async Task<CliResult> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Clean(start.Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"orleans-monitor {string.Join(' ', args)} did not exit within {Deadline}.\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Removes the settings a developer's shell may carry, so only what a test passes applies.</summary>
    public static void Clean(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var key in new[] { "ORLEANS_MONITOR_URL", "ORLEANS_MONITOR_TOKEN", "NO_COLOR", "COLUMNS", "LINES" })
        {
            environment.Remove(key);
        }

        environment["DOTNET_NOLOGO"] = "1";
    }
}
