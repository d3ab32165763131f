using System.Text.Json;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Storage;

/// <summary>Conversions both stores share, so they read and write rows the same way.</summary>
internal static class StoreRows
{
    public const string FileName = "monitor.db";

    private static readonly Dictionary<string, string> EmptyLabels = [];

    public static string SerializeLabels(IReadOnlyDictionary<string, string> labels) =>
        JsonSerializer.Serialize(labels);

    public static IReadOnlyDictionary<string, string> DeserializeLabels(string json) =>
        string.IsNullOrEmpty(json)
            ? EmptyLabels
            : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? EmptyLabels;

    /// <summary>A LIKE pattern matching ids that start with <paramref name="prefix"/> literally (escape char <c>\</c>).</summary>
    public static string PrefixPattern(string prefix) =>
        prefix.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal) + "%";

    /// <summary>
    /// Keeps the last row per (container, minute): an upsert statement may not touch the same key twice,
    /// and the newest value is the one a replay would have written anyway.
    /// </summary>
    public static IReadOnlyCollection<MinuteAggregate> LastPerKey(IReadOnlyCollection<MinuteAggregate> aggregates)
    {
        var byKey = new Dictionary<(string, DateTimeOffset), MinuteAggregate>(aggregates.Count);
        foreach (var aggregate in aggregates)
        {
            byKey[(aggregate.ContainerId, aggregate.Minute)] = aggregate;
        }

        return byKey.Count == aggregates.Count ? aggregates : byKey.Values;
    }
}
