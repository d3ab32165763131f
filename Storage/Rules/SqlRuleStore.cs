using System.Data;
using System.Data.Common;
using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Storage.Rules;

/// <summary>
/// Rules and alerts over plain SQL that SQLite and PostgreSQL both run (named <c>@</c> parameters, <c>ON CONFLICT</c>
/// upserts, times as Unix milliseconds); the subclasses only open connections.
/// </summary>
public abstract class SqlRuleStore : IRuleStore
{
    /// <summary>A parameter value with its database type, for values that may be NULL.</summary>
    private sealed record TypedValue(object? Value, DbType Type);

    private const string AlertColumns = "id, rule, severity, summary, labels, value, starts_at_ms, ends_at_ms, state";

    /// <summary>An open connection to the monitor's database (schema already migrated at start).</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public async Task<bool> PutRuleAsync(string name, RuleDefinition definition, DateTimeOffset updatedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = Command(connection, transaction, "SELECT count(*) FROM rules WHERE name = @name;", ("name", name));
        var existed = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
        await using var upsert = Command(
            connection,
            transaction,
            """
            INSERT INTO rules(name, definition, updated_at_ms) VALUES(@name, @definition, @updated)
            ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, updated_at_ms = excluded.updated_at_ms;
            """,
            ("name", name),
            ("definition", RuleJson.Serialize(definition)),
            ("updated", updatedAt.ToUnixTimeMilliseconds()));
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return !existed;
    }

    public async Task<bool> DeleteRuleAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "DELETE FROM rules WHERE name = @name;", ("name", name));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<StoredRule?> GetRuleAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, definition, updated_at_ms FROM rules WHERE name = @name;", ("name", name));
        var rows = await StoreRows.ReadAllAsync(command, ReadRule, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<StoredRule>> GetRulesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, definition, updated_at_ms FROM rules ORDER BY name;");
        return await StoreRows.ReadAllAsync(command, ReadRule, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutAlertAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(
            connection,
            null,
            $"""
            INSERT INTO alerts({AlertColumns}) VALUES(@id, @rule, @severity, @summary, @labels, @value, @starts, @ends, @state)
            ON CONFLICT(id) DO UPDATE SET
                rule = excluded.rule, severity = excluded.severity, summary = excluded.summary, labels = excluded.labels,
                value = excluded.value, starts_at_ms = excluded.starts_at_ms, ends_at_ms = excluded.ends_at_ms, state = excluded.state;
            """,
            ("id", alert.Id),
            ("rule", alert.Rule),
            ("severity", alert.Severity),
            ("summary", Typed(alert.Summary, DbType.String)),
            ("labels", RuleJson.SerializeLabels(alert.Labels)),
            ("value", Typed(alert.Value, DbType.Double)),
            ("starts", alert.StartsAt.ToUnixTimeMilliseconds()),
            ("ends", Typed(alert.EndsAt?.ToUnixTimeMilliseconds(), DbType.Int64)),
            ("state", alert.State));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Alert>> GetAlertsAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(
            connection,
            null,
            $"""
            SELECT {AlertColumns} FROM alerts
            WHERE (@state IS NULL OR state = @state) AND starts_at_ms >= @from AND starts_at_ms < @to
            ORDER BY starts_at_ms DESC, id
            LIMIT @limit;
            """,
            ("state", Typed(query.State, DbType.String)),
            ("from", query.From?.ToUnixTimeMilliseconds() ?? long.MinValue),
            ("to", query.To?.ToUnixTimeMilliseconds() ?? long.MaxValue),
            ("limit", (long)query.Limit));
        return await StoreRows.ReadAllAsync(command, ReadAlert, cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            if (value is TypedValue typed)
            {
                // A value that may be NULL carries its type: PostgreSQL cannot infer one from a NULL.
                parameter.DbType = typed.Type;
                parameter.Value = typed.Value ?? DBNull.Value;
            }
            else
            {
                parameter.Value = value ?? DBNull.Value;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static TypedValue Typed(object? value, DbType type) => new(value, type);

    private static StoredRule ReadRule(DbDataReader r) =>
        new(r.GetString(0), RuleJson.Deserialize(r.GetString(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)));

    private static Alert ReadAlert(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        RuleJson.DeserializeLabels(r.GetString(4)),
        r.IsDBNull(5) ? null : r.GetDouble(5),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
        r.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
        r.GetString(8));
}
