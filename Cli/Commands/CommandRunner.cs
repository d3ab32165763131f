using System.CommandLine;
using Spectre.Console;

namespace Orleans.Monitor.Cli.Commands;

/// <summary>Runs a command's body with its <see cref="CliContext"/>; a <see cref="CliException"/> becomes one line on stderr and its exit code.</summary>
public sealed class CommandRunner(CommonOptions options, IAnsiConsole console, TextWriter output, TextWriter error)
{
    public CommonOptions Options => options;

    public void SetAction(Command command, Func<ParseResult, CliContext, CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(body);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var context = new CliContext(parse.GetValue(options.Url)!, parse.GetValue(options.Token), parse.GetValue(options.Output), console, output);
                return await body(parse, context, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return ex.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C (SIGINT) or SIGTERM: the shell's convention, 128 + SIGINT.
                return ExitCodes.Interrupted;
            }
        });
    }
}
