using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Live;

/// <summary>What <c>top</c> sorts by.</summary>
public enum TopSort
{
    Cpu,
    Memory,
    Network,
    Name,
}

/// <summary>
/// The state behind <c>top</c>: the latest frame of every host, the sort, the filter and the keys that change them.
/// No I/O: the session feeds it updates and keys and renders what it holds.
/// </summary>
public sealed class TopModel(TopSort sort = TopSort.Cpu)
{
    private readonly Dictionary<string, HostFrame> _hosts = new(StringComparer.Ordinal);

    public TopSort Sort { get; private set; } = sort;

    /// <summary>Largest first for numbers, A to Z for names; <c>r</c> flips it.</summary>
    public bool Descending { get; private set; } = sort != TopSort.Name;

    /// <summary>Case-insensitive text every shown container has in its name, image, host or id; empty shows all.</summary>
    public string Filter { get; private set; } = "";

    /// <summary>The filter being typed after <c>/</c> or <c>f</c>; null when not editing.</summary>
    public string? FilterDraft { get; private set; }

    /// <summary>Only running (and paused) containers; <c>a</c> toggles.</summary>
    public bool RunningOnly { get; private set; }

    /// <summary>Why the stream is not flowing, until the next frame.</summary>
    public string? Problem { get; private set; }

    /// <summary>The newest frame time seen, for the header.</summary>
    public DateTimeOffset? LatestFrame { get; private set; }

    public IReadOnlyCollection<HostFrame> Hosts => _hosts.Values;

    public void Apply(LiveUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Frame is { } frame)
        {
            _hosts[frame.HostId] = frame;
            Problem = null;
            LatestFrame = LatestFrame is { } latest && latest > frame.Timestamp ? latest : frame.Timestamp;
        }
        else
        {
            Problem = update.Problem;
        }
    }

    /// <summary>Handles one key; false means quit.</summary>
    public bool HandleKey(ConsoleKeyInfo key)
    {
        if (FilterDraft is { } draft)
        {
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Filter = draft.Trim();
                    FilterDraft = null;
                    break;
                case ConsoleKey.Escape:
                    FilterDraft = null;
                    break;
                case ConsoleKey.Backspace:
                    FilterDraft = draft.Length > 0 ? draft[..^1] : draft;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        FilterDraft = draft + key.KeyChar;
                    }

                    break;
            }

            return true;
        }

        switch (key.KeyChar)
        {
            case 'q' or 'Q':
                return false;
            case 'c' or 'C':
                SortBy(TopSort.Cpu);
                break;
            case 'm' or 'M':
                SortBy(TopSort.Memory);
                break;
            case 'n' or 'N':
                SortBy(TopSort.Network);
                break;
            case 'h' or 'H':
                SortBy(TopSort.Name);
                break;
            case 'r' or 'R':
                Descending = !Descending;
                break;
            case 'a' or 'A':
                RunningOnly = !RunningOnly;
                break;
            case '/' or 'f' or 'F':
                FilterDraft = Filter;
                break;
            default:
                if (key.Key == ConsoleKey.Escape)
                {
                    Filter = "";
                }

                break;
        }

        return true;
    }

    /// <summary>Every container of every host that passes the filter, in sort order (containers without a sample last).</summary>
    public IReadOnlyList<ContainerRow> Rows()
    {
        var labels = HostLabels.From(_hosts.Values.Select(h => (h.HostId, h.Host?.Name)));
        var rows = _hosts.Values
            .SelectMany(h => h.Containers.Select(c => new ContainerRow(labels.Label(h.HostId), c)))
            .Where(r => !RunningOnly || r.Container.State is "running" or "paused")
            .Where(Matches)
            .ToList();
        var withSample = rows.Where(r => r.Sample is not null || Sort == TopSort.Name);
        IOrderedEnumerable<ContainerRow> ordered = Sort switch
        {
            TopSort.Cpu => Order(withSample, r => r.Sample!.CpuPercent),
            TopSort.Memory => Order(withSample, r => r.Sample!.MemoryUsedBytes),
            TopSort.Network => Order(withSample, r => r.NetworkBytesPerSecond),
            _ => Descending
                ? withSample.OrderByDescending(r => r.Container.Name, StringComparer.Ordinal).ThenByDescending(r => r.HostLabel, StringComparer.Ordinal)
                : withSample.OrderBy(r => r.Container.Name, StringComparer.Ordinal).ThenBy(r => r.HostLabel, StringComparer.Ordinal),
        };
        var sorted = ordered.ThenBy(r => r.Container.Name, StringComparer.Ordinal).ThenBy(r => r.Container.Id, StringComparer.Ordinal).ToList();
        if (Sort != TopSort.Name)
        {
            sorted.AddRange(rows.Where(r => r.Sample is null).OrderBy(r => r.Container.Name, StringComparer.Ordinal));
        }

        return sorted;
    }

    private void SortBy(TopSort sort)
    {
        // The same key again flips the direction, as in htop.
        Descending = sort == Sort ? !Descending : sort != TopSort.Name;
        Sort = sort;
    }

    private IOrderedEnumerable<ContainerRow> Order<TKey>(IEnumerable<ContainerRow> rows, Func<ContainerRow, TKey> key) =>
        Descending ? rows.OrderByDescending(key) : rows.OrderBy(key);

    private bool Matches(ContainerRow row) =>
        Filter.Length == 0
        || row.Container.Name.Contains(Filter, StringComparison.OrdinalIgnoreCase)
        || row.Container.Image.Contains(Filter, StringComparison.OrdinalIgnoreCase)
        || row.HostLabel.Contains(Filter, StringComparison.OrdinalIgnoreCase)
        || row.Container.Id.StartsWith(Filter, StringComparison.OrdinalIgnoreCase);
}
