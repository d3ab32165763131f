using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>
/// Runs the CLI in a real pseudo-terminal with <c>script</c> (util-linux): the program sees a terminal of the given
/// size, reads the keys written here, and everything it draws (escape codes included) is captured.
/// </summary>
public sealed partial class PseudoTerminal : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly Task _reader;

    private PseudoTerminal(Process process)
    {
        _process = process;
        _reader = ReadAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet orleans-monitor.dll args</c> in a <paramref name="columns"/> × <paramref name="rows"/> terminal.</summary>
    public static PseudoTerminal Start(IReadOnlyList<string> args, int columns, int rows)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = $"stty cols {columns} rows {rows}; exec dotnet {Quote(CliProcess.Dll)} {string.Join(' ', args.Select(Quote))}";
        var start = new ProcessStartInfo("script")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "-q", "-e", "-c", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        CliProcess.Clean(start.Environment);
        start.Environment["TERM"] = "xterm-256color";
        return new PseudoTerminal(Process.Start(start) ?? throw new InvalidOperationException("Could not start script (util-linux)."));
    }

    /// <summary>Everything drawn so far with escape sequences removed, carriage returns as line breaks.</summary>
    public string Text
    {
        get
        {
            string raw;
            lock (_gate)
            {
                raw = _output.ToString();
            }

            return EscapeSequence().Replace(raw, "").Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        }
    }

    /// <summary>The screens drawn so far: each starts at a line beginning with <paramref name="firstLine"/>.</summary>
    public IReadOnlyList<string[]> Screens(string firstLine)
    {
        var screens = new List<string[]>();
        List<string>? current = null;
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith(firstLine, StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    screens.Add([.. current]);
                }

                current = [];
            }

            if (current is not null && line.Trim().Length > 0)
            {
                current.Add(line.TrimEnd());
            }
        }

        if (current is not null)
        {
            screens.Add([.. current]);
        }

        return screens;
    }

    /// <summary>Types <paramref name="keys"/> into the terminal.</summary>
    public async Task TypeAsync(string keys)
    {
        await _process.StandardInput.WriteAsync(keys);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the program in the terminal did not exit within {timeout}; last output:\n{Tail()}");
        }

        await _reader;
        return _process.ExitCode;
    }

    /// <summary>The last lines drawn, for failure messages.</summary>
    public string Tail(int lines = 40) => string.Join('\n', Text.Split('\n').Where(l => l.Trim().Length > 0).TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        await _reader;
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new char[8192];
        int read;
        while ((read = await _process.StandardOutput.ReadAsync(buffer)) > 0)
        {
            lock (_gate)
            {
                _output.Append(buffer, 0, read);
            }
        }
    }

    // CSI sequences (colours, cursor moves, modes) and the two-character ESC = / ESC > keypad modes.
    [GeneratedRegex(@"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>]|\x1b\][^\x07]*\x07", RegexOptions.CultureInvariant)]
    private static partial Regex EscapeSequence();

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
