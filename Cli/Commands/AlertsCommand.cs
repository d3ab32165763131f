using System.CommandLine;
using System.Globalization;
using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary><c>orleans-monitor alerts</c>: the alerts rules opened, newest first (<c>GET /api/alerts</c>).</summary>
public static class AlertsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var state = new Option<string?>("--state") { Description = "Only firing or only resolved alerts [default: both]" };
        state.AcceptOnlyFromAmong("firing", "resolved");
        var since = new Option<string?>("--since")
        {
            Description = $"Only alerts that started this recently [{Duration.Forms}; default: all the Api keeps]",
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
        var command = new Command("alerts", "Alerts opened by rules (firing or resolved), newest first, with the hosts and containers they cover.")
        {
            state, since,
        };
        runner.SetAction(command, async (parse, context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            DateTimeOffset? from = Duration.TryParse(parse.GetValue(since), out var back) ? DateTimeOffset.UtcNow - back : null;
            var alerts = await client.GetAlertsAsync(parse.GetValue(state), from, cancellationToken).ConfigureAwait(false);
            SheetWriter.Write(context.Output, Columns(DateTimeOffset.Now), alerts, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IReadOnlyList<Column<Alert>> Columns(DateTimeOffset now) =>
    [
        new("rule", "RULE", a => a.Rule),
        new("state", "STATE", a => a.State),
        new("severity", "SEVERITY", a => a.Severity),
        new("value", "VALUE", a => a.Value, a => a.Value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "", Right: true),
        new("startsAt", "STARTED", a => a.StartsAt, a => Units.Time(a.StartsAt, now)),
        new("endsAt", "ENDED", a => a.EndsAt, a => a.EndsAt is { } end ? Units.Time(end, now) : ""),
        new("hosts", "HOSTS", a => Label(a, "hosts"), a => Label(a, "hosts") ?? ""),
        new("containers", "CONTAINERS", a => Label(a, "containers"), a => Label(a, "containers") ?? ""),
        new("summary", "SUMMARY", a => a.Summary, a => a.Summary ?? ""),
        new("id", "ID", a => a.Id, InTable: false),
    ];

    private static string? Label(Alert alert, string name) => alert.Labels.TryGetValue(name, out var value) ? value : null;
}
