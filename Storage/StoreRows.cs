using System.Data.Common;
using System.Text.Json;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

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

    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>Reads a host row; <paramref name="time"/> reads a timestamp column as the store keeps it.</summary>
    public static StoredHost ReadHost(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time) =>
        new(
            new HostInfo(
                r.GetString(0),
                r.GetString(1),
                r.GetInt32(2),
                r.GetInt64(3),
                r.GetString(4),
                r.GetString(5),
                r.GetString(6),
                r.GetString(7),
                r.GetString(8),
                r.GetString(9),
                r.GetString(10)),
            time(r, 11));

    public static ContainerInfo ReadContainer(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> time) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            r.GetString(3),
            DeserializeLabels(r.GetString(4)),
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetString(6),
            r.GetString(7),
            r.IsDBNull(8) ? null : r.GetString(8),
            time(r, 9),
            r.IsDBNull(10) ? null : time(r, 10),
            r.IsDBNull(11) ? null : time(r, 11),
            r.IsDBNull(12) ? null : r.GetInt32(12),
            r.GetBoolean(13),
            r.GetBoolean(14),
            r.GetInt32(15),
            r.IsDBNull(16) ? null : r.GetInt32(16));

    /// <summary>Reads an event row: container_id, host_id, time_ns, action, name, image, exit_code, signal, health, attributes.</summary>
    public static ContainerEvent ReadEvent(DbDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.GetString(3),
            r.GetInt64(2),
            r.IsDBNull(4) ? null : r.GetString(4),
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetInt32(6),
            r.IsDBNull(7) ? null : r.GetString(7),
            r.IsDBNull(8) ? null : r.GetString(8),
            DeserializeLabels(r.GetString(9)));

    /// <summary>
    /// Keeps one row per (container, time, action): an upsert statement may not touch the same key twice, and a
    /// replayed event is the same event.
    /// </summary>
    public static IReadOnlyCollection<ContainerEvent> DistinctEvents(IReadOnlyCollection<ContainerEvent> events)
    {
        var byKey = new Dictionary<(string, long, string), ContainerEvent>(events.Count);
        foreach (var e in events)
        {
            byKey.TryAdd((e.ContainerId, e.TimeNano, e.Action), e);
        }

        return byKey.Count == events.Count ? events : byKey.Values;
    }

    /// <summary>
    /// The <c>network_namespace</c> column: NULL says the network was not measured (the byte columns then hold 0); a
    /// measured row without a namespace key counted the container's own.
    /// </summary>
    public static string? NetworkNamespaceColumn(MinuteAggregate aggregate) =>
        aggregate.NetRxBytes is null && aggregate.NetTxBytes is null ? null : aggregate.NetworkNamespace ?? aggregate.ContainerId;

    /// <summary>Reads a minute row; <paramref name="minute"/> reads the minute column as the store keeps it.</summary>
    public static MinuteAggregate ReadAggregate(DbDataReader r, Func<DbDataReader, int, DateTimeOffset> minute)
    {
        var network = r.IsDBNull(20) ? null : r.GetString(20);
        return new(
            r.GetString(0),
            r.GetString(1),
            minute(r, 2),
            r.GetInt32(3),
            r.GetDouble(4),
            r.GetDouble(5),
            r.GetDouble(6),
            r.GetDouble(7),
            r.GetInt64(8),
            r.GetInt64(9),
            r.GetInt64(10),
            r.GetInt64(11),
            r.GetInt64(12),
            network is null ? null : r.GetInt64(13),
            network is null ? null : r.GetInt64(14),
            r.GetInt64(15),
            r.GetInt64(16),
            r.GetInt64(17),
            r.GetInt64(18),
            r.GetInt64(19),
            network,
            r.GetInt64(21),
            r.GetInt64(22));
    }

    /// <summary>At most two rows are read for a prefix: none, one, or "several".</summary>
    public static ContainerLookup ToLookup(IReadOnlyList<ContainerInfo> matches) => matches.Count switch
    {
        0 => ContainerLookup.NotFound,
        1 => new ContainerLookup(matches[0], false),
        _ => ContainerLookup.AmbiguousMatch,
    };
}
