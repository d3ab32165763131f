using System.CommandLine;
using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary><c>orleans-monitor hosts</c>: every host with its status and totals (<c>GET /api/hosts</c>).</summary>
public static class HostsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("hosts", "List the Docker hosts of the cluster: status (up, down, unreachable), containers, CPU and memory.");
        runner.SetAction(command, async (_, context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var hosts = await client.ListHostsAsync(cancellationToken).ConfigureAwait(false);
            SheetWriter.Write(context.Output, Columns(DateTimeOffset.Now), hosts, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IReadOnlyList<Column<HostSummary>> Columns(DateTimeOffset now) =>
    [
        new("hostId", "HOST ID", h => h.HostId, h => h.HostId),
        new("name", "NAME", h => h.Host?.Name, h => h.Host?.Name ?? "-"),
        new("status", "STATUS", h => h.Status),
        new("containersRunning", "RUNNING", h => h.ContainersRunning, Right: true),
        new("containersTotal", "TOTAL", h => h.ContainersTotal, Right: true),
        new("cpuPercent", "CPU %", h => h.CpuPercent, h => Units.Percent(h.CpuPercent), Right: true),
        new("memoryUsedBytes", "MEM", h => h.MemoryUsedBytes, h => Units.Bytes(h.MemoryUsedBytes), Right: true),
        new("cpus", "CPUS", h => h.Host?.Cpus, h => h.Host?.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Right: true),
        new("memoryTotalBytes", "MEM TOTAL", h => h.Host?.MemoryTotalBytes, h => h.Host is { } info ? Units.Bytes(info.MemoryTotalBytes) : "-", Right: true),
        new("lastSeen", "LAST SEEN", h => h.LastSeen, h => h.LastSeen is { } seen ? Units.Time(seen, now) : "-"),
        new("error", "ERROR", h => h.Error, h => h.Error ?? ""),
    ];
}
