using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Storage;

/// <summary>
/// Creates or migrates the schema before anything else starts, so a bad setting stops the process at once. One
/// exception: a database that is only unreachable while the spool holds rows an earlier run accepted (the process was
/// restarted during an outage). That database was in use, so the process starts, keeps the new rows in its spool and
/// memory, and migrates in the background once the database answers.
/// </summary>
internal sealed partial class MonitorStoreInitializer(IMonitorStore store, WriteSpool spool, ILogger<MonitorStoreInitializer> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstAttempt = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _background;
    private bool _disposed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!spool.HasSpooledRows())
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // Rows are waiting: a restart during an outage must not wait out Storage:StartupTimeout before sampling again.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(FirstAttempt);
        try
        {
            await store.InitializeAsync(attempt.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsUnreachable(ex))
        {
            LogStartingUnreachable(logger, spool.Folder, ex.Message);
            _background = InitializeLaterAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            // A host may stop its services again after disposing them (a test server's second dispose): nothing runs.
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_background is not null)
        {
            await _background.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _stopping.Dispose();
    }

    private static bool IsUnreachable(Exception ex) =>
        ex is OperationCanceledException
        || ex is NpgsqlException { IsTransient: true }
        || ex.InnerException is NpgsqlException { IsTransient: true };

    private async Task InitializeLaterAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
                await store.InitializeAsync(stoppingToken).ConfigureAwait(false);
                LogInitializedLate(logger);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidSettingException ex)
            {
                LogStillUnreachable(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is unreachable at start and the spool {Folder} holds rows of an earlier run: starting anyway, rows are kept until it answers ({Reason})")]
    private static partial void LogStartingUnreachable(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database answers again; the schema is checked")]
    private static partial void LogInitializedLate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The database is still unreachable: {Reason}")]
    private static partial void LogStillUnreachable(ILogger logger, string reason);
}
