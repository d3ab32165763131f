using System.CommandLine;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary><c>orleans-monitor ps</c>: containers on every host with their latest sample (<c>GET /api/containers</c>).</summary>
public static class PsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var host = new Option<string?>("--host") { Description = "Only this host: a daemon ID or a host name that one host has" };
        var state = new Option<string?>("--state") { Description = "Only containers in this state (running, paused, exited, ...; removed lists removed ones)" };
        var filter = new Option<string?>("--filter") { Description = "Only containers whose name contains this text (case-insensitive)" };
        var command = new Command("ps", "List containers across hosts with CPU, memory, network and block I/O of their latest second.")
        {
            host, state, filter,
        };
        runner.SetAction(command, async (parse, context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var hostId = parse.GetValue(host) is { Length: > 0 } wanted ? await client.ResolveHostAsync(wanted, cancellationToken).ConfigureAwait(false) : null;
            var containers = await client.ListContainersAsync(hostId, parse.GetValue(state), parse.GetValue(filter), cancellationToken).ConfigureAwait(false);
            var hosts = await client.ListHostsAsync(cancellationToken).ConfigureAwait(false);
            var names = HostLabels.From(hosts.Select(h => (h.HostId, h.Host?.Name)));
            var rows = containers.OrderBy(c => names.Label(c.Container.HostId), StringComparer.Ordinal)
                .ThenBy(c => c.Container.Name, StringComparer.Ordinal)
                .Select(c => new ContainerRow(names.Label(c.Container.HostId), c))
                .ToList();
            SheetWriter.Write(context.Output, ContainerRow.Columns, rows, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }
}
