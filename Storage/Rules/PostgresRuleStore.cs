using System.Data.Common;
using Npgsql;

namespace Orleans.Monitor.Storage.Rules;

/// <summary>Rules and alerts in the cluster's PostgreSQL database (<c>ConnectionStrings:Monitor</c>).</summary>
public sealed class PostgresRuleStore(NpgsqlDataSource dataSource) : SqlRuleStore
{
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
}
