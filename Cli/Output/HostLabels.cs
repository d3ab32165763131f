namespace Orleans.Monitor.Cli.Output;

/// <summary>
/// Short host labels for tables: the host name when one host has it, else the name and the shortest daemon-ID
/// prefix that tells the hosts apart (engines on one machine all report the same name).
/// </summary>
public sealed class HostLabels
{
    private const int MinimumPrefix = 4;
    private readonly Dictionary<string, string> _labels;

    private HostLabels(Dictionary<string, string> labels) => _labels = labels;

    public static HostLabels From(IEnumerable<(string HostId, string? Name)> hosts)
    {
        var known = hosts.DistinctBy(h => h.HostId).ToList();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in known.GroupBy(h => h.Name ?? "", StringComparer.Ordinal))
        {
            var members = group.ToList();
            if (members.Count == 1 && group.Key.Length > 0)
            {
                labels[members[0].HostId] = group.Key;
                continue;
            }

            var length = MinimumPrefix;
            while (members.Select(m => Prefix(m.HostId, length)).Distinct(StringComparer.Ordinal).Count() < members.Count
                && members.Any(m => m.HostId.Length > length))
            {
                length++;
            }

            foreach (var member in members)
            {
                labels[member.HostId] = group.Key.Length > 0 ? $"{group.Key}/{Prefix(member.HostId, length)}" : Prefix(member.HostId, length);
            }
        }

        return new HostLabels(labels);
    }

    /// <summary>The label of a host; an unknown host shows its id.</summary>
    public string Label(string hostId) => _labels.TryGetValue(hostId, out var label) ? label : hostId;

    private static string Prefix(string id, int length) => id.Length <= length ? id : id[..length];
}
