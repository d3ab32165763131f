using System.CommandLine;
using Orleans.Monitor.Cli.Live;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary>
/// <c>orleans-monitor top</c>: every container on every host, live over the hub's <c>WatchAll</c> stream. In a terminal
/// it redraws every second and takes keys; otherwise (redirected, <c>--output json|csv</c>) it prints one snapshot.
/// </summary>
public static class TopCommand
{
    public static Command Create(CommandRunner runner, Func<bool> interactive)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(interactive);
        var sort = new Option<TopSort>("--sort") { Description = "Initial sort: cpu, memory, network or name", DefaultValueFactory = _ => TopSort.Cpu };
        var command = new Command(
            "top",
            "Live table of every container on every host. Keys: c cpu, m memory, n network, h name (again: reverse), r reverse, a all/running, / or f filter, Esc clear, q quit.")
        {
            sort,
        };
        runner.SetAction(command, async (parse, context, cancellationToken) =>
        {
            var feed = new LiveHubFeed(context.BaseUrl, context.Token);
            var model = new TopModel(parse.GetValue(sort));
            if (context.Output == OutputFormat.Table && interactive())
            {
                try
                {
                    await new TopSession(context.Console, context.BaseUrl, TimeProvider.System)
                        .RunInteractiveAsync(model, feed.WatchAllAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C is as good a way out of a live view as q.
                }

                return ExitCodes.Ok;
            }

            var rows = await TopSession.SnapshotAsync(model, feed.WatchAllAsync(cancellationToken), TopSession.SnapshotDeadline, cancellationToken)
                .ConfigureAwait(false);
            SheetWriter.Write(context.Output, ContainerRow.Columns, rows, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }
}
