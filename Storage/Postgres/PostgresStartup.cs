using Microsoft.Extensions.Logging;
using Npgsql;

namespace Orleans.Monitor.Storage.Postgres;

/// <summary>Turns the connection string into a data source and start-up failures into one message naming the setting.</summary>
internal static partial class PostgresStartup
{
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        try
        {
            return new NpgsqlDataSourceBuilder(connectionString).Build();
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException)
        {
            // Npgsql throws KeyNotFoundException, not ArgumentException, for a segment with an empty keyword ("a;=b").
            throw new InvalidSettingException(
                $"{StorageOptions.ConnectionStringKey} is not a valid PostgreSQL connection string: {ex.Message}",
                ex);
        }
    }

    /// <summary>
    /// Runs a start-up step, retrying while the server is merely not up yet (compose starts everything at once),
    /// and fails at once on errors no retry can fix (bad password, missing database).
    /// </summary>
    public static async Task RunAsync(
        NpgsqlDataSource dataSource,
        TimeSpan timeout,
        TimeProvider timeProvider,
        ILogger logger,
        Func<CancellationToken, Task> step,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await step(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var elapsed = timeProvider.GetElapsedTime(started);
                if (!ex.IsTransient || elapsed + delay > timeout)
                {
                    throw new InvalidSettingException(Describe(dataSource, ex), ex);
                }

                LogDatabaseNotReady(logger, Target(dataSource), delay, ex.Message);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static string Describe(NpgsqlDataSource dataSource, NpgsqlException ex) =>
        $"{StorageOptions.ConnectionStringKey} ({Target(dataSource)}) cannot be used: {ex.Message}";

    private static string Target(NpgsqlDataSource dataSource)
    {
        // The data source's string omits the password unless Persist Security Info is set; show only where it points.
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL at {Target} is not reachable yet; retrying in {Delay}: {Reason}")]
    private static partial void LogDatabaseNotReady(ILogger logger, string target, TimeSpan delay, string reason);
}
