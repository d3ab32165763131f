using System.CommandLine;
using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary><c>orleans-monitor history</c>: a container's per-minute history rolled up to a step (<c>GET /api/containers/{id}/history</c>).</summary>
public static class HistoryCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var container = new Argument<string>("container") { Description = "Container id (12 to 64 hex characters, a unique prefix) or name" };
        var since = DurationOption.Create("--since", "How far back", TimeSpan.FromHours(1));
        var step = DurationOption.Create("--step", "One line per step; the Api serves 1m, 5m, 15m, 1h and 1d", TimeSpan.FromMinutes(1));
        var command = new Command("history", "A container's CPU, memory, network and block I/O per step, from the stored minute aggregates.")
        {
            container, since, step,
        };
        runner.SetAction(command, async (parse, context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var id = await client.ResolveContainerAsync(parse.GetValue(container)!, cancellationToken).ConfigureAwait(false);
            var to = DateTimeOffset.UtcNow;
            var history = await client.GetHistoryAsync(id, to - parse.GetValue(since), to, Duration.Format(parse.GetValue(step)), cancellationToken)
                .ConfigureAwait(false);
            SheetWriter.Write(context.Output, Columns(DateTimeOffset.Now), history.Points, context.Console, context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IReadOnlyList<Column<MinuteAggregate>> Columns(DateTimeOffset now) =>
    [
        new("minute", "TIME", p => p.Minute, p => Units.Time(p.Minute, now)),
        new("sampleCount", "SAMPLES", p => p.SampleCount, Right: true),
        new("cpuPercentAvg", "CPU AVG", p => p.CpuPercentAvg, p => Units.Percent(p.CpuPercentAvg), Right: true),
        new("cpuPercentMax", "CPU MAX", p => p.CpuPercentMax, p => Units.Percent(p.CpuPercentMax), Right: true),
        new("memoryUsedBytesAvg", "MEM AVG", p => p.MemoryUsedBytesAvg, p => Units.Bytes(p.MemoryUsedBytesAvg), Right: true),
        new("memoryUsedBytesMax", "MEM MAX", p => p.MemoryUsedBytesMax, p => Units.Bytes(p.MemoryUsedBytesMax), Right: true),
        new("memoryLimitBytes", "LIMIT", p => p.MemoryLimitBytes, p => Units.Bytes(p.MemoryLimitBytes), Right: true),
        new("netRxBytes", "NET RX", p => p.NetRxBytes, p => p.NetRxBytes is { } bytes ? Units.Bytes(bytes) : "-", Right: true),
        new("netTxBytes", "NET TX", p => p.NetTxBytes, p => p.NetTxBytes is { } bytes ? Units.Bytes(bytes) : "-", Right: true),
        new("blockReadBytes", "BLK R", p => p.BlockReadBytes, p => Units.Bytes(p.BlockReadBytes), Right: true),
        new("blockWriteBytes", "BLK W", p => p.BlockWriteBytes, p => Units.Bytes(p.BlockWriteBytes), Right: true),
        new("pidsMax", "PIDS MAX", p => p.PidsMax, Right: true),
    ];
}
