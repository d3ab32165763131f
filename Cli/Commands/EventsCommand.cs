using System.CommandLine;
using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary><c>orleans-monitor events</c>: a container's lifecycle events, newest first (<c>GET /api/containers/{id}/events</c>).</summary>
public static class EventsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var container = new Argument<string>("container") { Description = "Container id (12 to 64 hex characters, a unique prefix) or name" };
        var since = new Option<string?>("--since")
        {
            Description = $"Only events this recent [{Duration.Forms}; default: all the Api keeps]",
            Validators =
            {
                result =>
                {
                    if (result.Tokens.Count > 0 && !Duration.TryParse(result.Tokens[^1].Value, out _))
                    {
                        result.AddError($"--since must be {Duration.Forms}, not '{result.Tokens[^1].Value}'.");
                    }
                },
            },
        };
        var limit = new Option<int?>("--limit") { Description = "At most this many events, the newest [1-10000; default: the Api's, 1000]" };
        var command = new Command("events", "A container's lifecycle events (create, start, die, kill, oom, health_status, ...), newest first.")
        {
            container, since, limit,
        };
        runner.SetAction(command, async (parse, context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var id = await client.ResolveContainerAsync(parse.GetValue(container)!, cancellationToken).ConfigureAwait(false);
            DateTimeOffset? from = Duration.TryParse(parse.GetValue(since), out var back) ? DateTimeOffset.UtcNow - back : null;
            var answer = await client.GetEventsAsync(id, from, null, parse.GetValue(limit), cancellationToken).ConfigureAwait(false);
            SheetWriter.Write(context.Output, Columns(DateTimeOffset.Now), answer.Events, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IReadOnlyList<Column<ContainerEvent>> Columns(DateTimeOffset now) =>
    [
        new("time", "TIME", e => e.Time, e => Units.Time(e.Time, now)),
        new("timeNano", "TIME NS", e => e.TimeNano, InTable: false),
        new("action", "ACTION", e => e.Action),
        new("exitCode", "EXIT CODE", e => e.ExitCode, e => e.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", Right: true),
        new("signal", "SIGNAL", e => e.Signal, e => e.Signal ?? ""),
        new("health", "HEALTH", e => e.Health, e => e.Health ?? ""),
        new("name", "NAME", e => e.Name, e => e.Name ?? ""),
    ];
}
