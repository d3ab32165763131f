using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orleans.Monitor.Storage.Membership;

/// <summary>
/// Follows membership changes: LISTEN on a dedicated connection, a re-read on each notification and every
/// <see cref="MembershipOptions.RefreshInterval"/> (notifications are lost while disconnected), reconnecting on errors.
/// Subscribers are called when the view changes, including a lease expiring without any write.
/// </summary>
public sealed partial class MembershipListener(
    NpgsqlDataSource dataSource,
    MembershipTable table,
    IOptions<MembershipOptions> options,
    TimeProvider timeProvider,
    ILogger<MembershipListener> logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<Func<MembershipSnapshot, CancellationToken, Task>> _subscribers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private MembershipSnapshot? _current;
    private string? _currentShape;
    private bool _reconnecting;
    private long? _graceStarted;

    /// <summary>The latest view, or null before the first read.</summary>
    public MembershipSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Calls <paramref name="onChange"/> after each change of the view; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Func<MembershipSnapshot, CancellationToken, Task> onChange)
    {
        lock (_gate)
        {
            _subscribers.Add(onChange);
        }

        return new Subscription(this, onChange);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Any failure means a lost connection or read; reconnect and resync rather than stop following.
                _reconnecting = true;
                LogListenFailed(logger, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
        await using (var listen = new NpgsqlCommand($"LISTEN {MembershipTable.NotificationChannel};", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
        }

        if (_reconnecting)
        {
            // Back after a database outage, every lease may have run out while no silo could renew it. Like the
            // reaper's warm-up, give the silos a full lease to renew before an expired lease counts as gone.
            _reconnecting = false;
            _graceStarted = timeProvider.GetTimestamp();
        }

        // Resync after every (re)connect: notifications sent while we were away are gone.
        await RefreshAsync(stoppingToken).ConfigureAwait(false);
        while (true)
        {
            // Returns on a notification or after the refresh interval; either way the table is re-read.
            await connection.WaitAsync(options.Value.RefreshInterval, stoppingToken).ConfigureAwait(false);
            await RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(CancellationToken stoppingToken)
    {
        var snapshot = TrustLeasesDuringGrace(await table.ReadAsync(stoppingToken).ConfigureAwait(false));
        var shape = Shape(snapshot);
        if (shape == _currentShape)
        {
            return;
        }

        _currentShape = shape;
        Volatile.Write(ref _current, snapshot);
        Func<MembershipSnapshot, CancellationToken, Task>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            try
            {
                await subscriber(snapshot, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // One failing subscriber must not starve the others or stop the listener.
                LogSubscriberFailed(logger, ex);
            }
        }
    }

    private MembershipSnapshot TrustLeasesDuringGrace(MembershipSnapshot snapshot)
    {
        if (_graceStarted is not { } started || timeProvider.GetElapsedTime(started) >= options.Value.LeaseDuration)
        {
            _graceStarted = null;
            return snapshot;
        }

        return snapshot with
        {
            Silos = [.. snapshot.Silos.Select(s => s.Status is SiloStatus.Joining or SiloStatus.Active && !s.LeaseAlive ? s with { LeaseAlive = true } : s)],
        };
    }

    // What subscribers care about: a new version, or a lease that expired without any write.
    private static string Shape(MembershipSnapshot snapshot) =>
        snapshot.Version + "|" + string.Join(',', snapshot.Silos.Select(s => $"{s.SiloId}/{s.Generation}/{(int)s.Status}/{s.IsAlive}"));

    private void Unsubscribe(Func<MembershipSnapshot, CancellationToken, Task> onChange)
    {
        lock (_gate)
        {
            _subscribers.Remove(onChange);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following membership failed; reconnecting in {Delay}")]
    private static partial void LogListenFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A membership subscriber failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    private sealed class Subscription(MembershipListener listener, Func<MembershipSnapshot, CancellationToken, Task> onChange) : IDisposable
    {
        public void Dispose() => listener.Unsubscribe(onChange);
    }
}
