using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Sqlite;

/// <summary>Scaling decisions in the <c>scaling_decisions</c> table.</summary>
public sealed partial class SqliteMonitorStore : IScalingStore
{
    public async Task WriteScalingDecisionAsync(ScalingDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO scaling_decisions(service, at, from_replicas, to_replicas, rule, value, outcome, detail)
            VALUES($service, $at, $from, $to, $rule, $value, $outcome, $detail);
            """;
        command.Parameters.AddWithValue("$service", decision.Service);
        command.Parameters.AddWithValue("$at", FormatTime(decision.At));
        command.Parameters.AddWithValue("$from", decision.From);
        command.Parameters.AddWithValue("$to", decision.To);
        command.Parameters.AddWithValue("$rule", decision.Rule);
        command.Parameters.AddWithValue("$value", decision.Value);
        command.Parameters.AddWithValue("$outcome", decision.Outcome);
        command.Parameters.AddWithValue("$detail", (object?)decision.Detail ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScalingDecision>> GetScalingDecisionsAsync(string service, TimeRange range, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT service, at, from_replicas, to_replicas, rule, value, outcome, detail FROM scaling_decisions
            WHERE service = $service AND at >= $start AND at < $end
            ORDER BY at DESC, rowid DESC
            LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$service", service);
        command.Parameters.AddWithValue("$start", FormatTime(range.Start));
        command.Parameters.AddWithValue("$end", FormatTime(range.End));
        command.Parameters.AddWithValue("$limit", limit);
        return await StoreRows.ReadAllAsync(
            command,
            static r => new ScalingDecision(
                r.GetString(0),
                ParseTime(r.GetString(1)),
                r.GetInt32(2),
                r.GetInt32(3),
                r.GetString(4),
                r.GetDouble(5),
                r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7)),
            cancellationToken).ConfigureAwait(false);
    }
}
