namespace Orleans.Monitor.Contracts.Rules;

/// <summary>A stored rule: its name, definition and when it was last written.</summary>
public sealed record StoredRule(string Name, RuleDefinition Definition, DateTimeOffset UpdatedAt);

/// <summary>An alert query: <paramref name="State"/> null for both, times bound <see cref="Alert.StartsAt"/> as [from, to).</summary>
public sealed record AlertQuery(string? State, DateTimeOffset? From, DateTimeOffset? To, int Limit = 1000);

/// <summary>Rules and alerts in the monitor's store (SQLite standalone, PostgreSQL in a cluster).</summary>
public interface IRuleStore
{
    /// <summary>Creates or replaces; returns true when the rule is new.</summary>
    Task<bool> PutRuleAsync(string name, RuleDefinition definition, DateTimeOffset updatedAt, CancellationToken cancellationToken);

    /// <summary>Returns false when no such rule was stored.</summary>
    Task<bool> DeleteRuleAsync(string name, CancellationToken cancellationToken);

    Task<StoredRule?> GetRuleAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every rule, by name.</summary>
    Task<IReadOnlyList<StoredRule>> GetRulesAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the alert with its id.</summary>
    Task PutAlertAsync(Alert alert, CancellationToken cancellationToken);

    /// <summary>Alerts newest first.</summary>
    Task<IReadOnlyList<Alert>> GetAlertsAsync(AlertQuery query, CancellationToken cancellationToken);
}
