using System.CommandLine;
using Orleans.Monitor.Cli.Commands;
using Spectre.Console;

namespace Orleans.Monitor.Cli;

/// <summary>The <c>orleans-monitor</c> command line: the root command, its subcommands and how a run ends (see <see cref="ExitCodes"/>).</summary>
public static class CliApplication
{
    /// <summary>Runs against the process's own terminal.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var redirected = Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // No escape codes, colours or cursor movement into a file or pipe; NO_COLOR is honoured by Detect.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected || Console.IsInputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (redirected)
        {
            // A pipe has no width: tables keep their natural width instead of wrapping at 80 columns.
            console.Profile.Width = 512;
        }

        return RunAsync(args, console, Console.Out, Console.Error, () => !Console.IsOutputRedirected && !Console.IsInputRedirected);
    }

    /// <summary>Runs with the given console and writers (tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter output, TextWriter error, Func<bool> interactive)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var options = new CommonOptions();
        var runner = new CommandRunner(options, console, output, error);
        var root = new RootCommand("orleans-monitor: the terminal client of an Orleans.Monitor Api (hosts, containers, a live top, history, events, alerts).");
        options.AddTo(root);
        root.Subcommands.Add(HostsCommand.Create(runner));
        root.Subcommands.Add(PsCommand.Create(runner));
        root.Subcommands.Add(TopCommand.Create(runner, interactive));
        root.Subcommands.Add(HistoryCommand.Create(runner));
        root.Subcommands.Add(EventsCommand.Create(runner));
        root.Subcommands.Add(AlertsCommand.Create(runner));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown word is the more useful line than the missing command it also causes.
            var first = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) ?? parse.Errors[0];
            await error.WriteLineAsync($"error: {first.Message} (orleans-monitor --help for usage)").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }
}
