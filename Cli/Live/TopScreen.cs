using System.Globalization;
using Orleans.Monitor.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Orleans.Monitor.Cli.Live;

/// <summary>Draws one screen of <c>top</c> from a <see cref="TopModel"/>: a summary line, hosts that are not up, the table and the keys.</summary>
public static class TopScreen
{
    /// <summary>The columns <c>top</c> shows (those of <c>ps</c> without image, restarts, last exit code and limit, to fit a terminal).</summary>
    public static IReadOnlyList<Column<ContainerRow>> Columns { get; } =
        [.. ContainerRow.Columns.Where(c => c.InTable && c.Name is not ("image" or "restartCount" or "lastExitCode" or "memoryLimitBytes"))];

    private static readonly Dictionary<TopSort, string> SortColumns = new()
    {
        [TopSort.Cpu] = "cpuPercent",
        [TopSort.Memory] = "memoryUsedBytes",
        [TopSort.Network] = "netRxBytesPerSecond",
        [TopSort.Name] = "name",
    };

    public static IRenderable Render(TopModel model, Uri source, int height, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rows = model.Rows();
        var hosts = model.Hosts;
        var containers = hosts.Sum(h => h.Containers.Count);
        var running = hosts.Sum(h => h.Containers.Count(c => c.Container.State == "running"));
        var lines = new List<IRenderable>
        {
            new Markup(string.Create(CultureInfo.InvariantCulture,
                $"[bold]orleans-monitor top[/]  {Markup.Escape(source.ToString())}  {hosts.Count} hosts ({hosts.Count(h => h.Status == "up")} up)  {containers} containers ({running} running)  {(model.LatestFrame is { } latest ? Units.Time(latest, now) : "waiting for frames")}")),
        };

        foreach (var host in hosts.Where(h => h.Status != "up").OrderBy(h => h.HostId, StringComparer.Ordinal))
        {
            var seen = host.LastSeen is { } lastSeen ? ", last seen " + Units.Time(lastSeen, now) : "";
            lines.Add(new Markup($"[yellow]host {Markup.Escape(host.Host?.Name ?? host.HostId)} ({Markup.Escape(host.HostId)}) is {Markup.Escape(host.Status)}{Markup.Escape(seen)}{(host.Error is { } error ? ": " + Markup.Escape(error) : "")}[/]"));
        }

        if (model.Problem is { } problem)
        {
            lines.Add(new Markup($"[red]{Markup.Escape(problem)}[/]"));
        }

        // Summary and key lines, the header, and one line to spare: the rest of the terminal is rows.
        var room = Math.Max(3, height - lines.Count - 4);
        var sortName = SortColumns[model.Sort];
        lines.Add(SheetWriter.ToTable(Columns, rows.Take(room), c => c.Name == sortName));
        var more = rows.Count > room ? $"{rows.Count - room} more; " : "";
        var filter = model.FilterDraft is { } draft
            ? $"[bold]filter:[/] {Markup.Escape(draft)}_  (Enter apply, Esc cancel)"
            : $"{more}sort {model.Sort.ToString().ToLowerInvariant()} {(model.Descending ? "desc" : "asc")}{(model.Filter.Length > 0 ? "  filter '" + Markup.Escape(model.Filter) + "'" : "")}{(model.RunningOnly ? "  running only" : "")}  [dim]c cpu  m mem  n net  h name  r reverse  a all/running  / filter  q quit[/]";
        lines.Add(new Markup(filter));
        return new Rows(lines);
    }
}
