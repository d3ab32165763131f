using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Storage.Rules;

/// <summary>Rules and alerts in the standalone SQLite file (<c>monitor.db</c> under <see cref="StorageOptions.DataPath"/>).</summary>
public sealed class SqliteRuleStore(IOptions<StorageOptions> options) : SqlRuleStore
{
    private readonly StorageOptions _options = options.Value;
    private readonly string _path = Path.GetFullPath(Path.Combine(options.Value.DataPath, StoreRows.FileName));

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(long)_options.BusyTimeout.TotalMilliseconds};");
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
