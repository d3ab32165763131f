using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;
using Spectre.Console;

namespace Orleans.Monitor.Cli.Commands;

/// <summary>What every command gets: where the Api is, how to authenticate, how to print.</summary>
/// <param name="Console">Tables and the live view; plain text without ANSI when stdout is redirected.</param>
/// <param name="Out">Raw stdout for JSON and CSV.</param>
public sealed record CliContext(Uri BaseUrl, string? Token, OutputFormat Output, IAnsiConsole Console, TextWriter Out)
{
    public MonitorApiClient CreateClient() => new(BaseUrl, Token);
}
