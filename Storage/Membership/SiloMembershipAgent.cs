using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Storage.Membership;

/// <summary>
/// A silo's membership: joins at start, renews its lease every heartbeat, runs a reaper round, leaves on stop.
/// An unreachable database is only logged; the silo is dead solely when a heartbeat succeeds on 0 rows.
/// </summary>
public sealed partial class SiloMembershipAgent : IHostedService, IDisposable
{
    private readonly MembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ISiloDeathHandler _deathHandler;
    private readonly ISiloRegistrationSource _registrationSource;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SiloMembershipAgent> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<long> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private bool _declaredDead;
    private long _failedHeartbeats;
    private string _siloId;

    public SiloMembershipAgent(
        MembershipTable table,
        IOptions<MembershipOptions> options,
        ISiloDeathHandler deathHandler,
        ISiloRegistrationSource registrationSource,
        TimeProvider timeProvider,
        ILogger<SiloMembershipAgent> logger)
    {
        _table = table;
        _options = options.Value;
        _deathHandler = deathHandler;
        _registrationSource = registrationSource;
        _siloId = _options.SiloId;
        _timeProvider = timeProvider;
        _logger = logger;
        if (_options.ValidateCluster() is { } error)
        {
            throw new OptionsValidationException(MembershipOptions.SectionName, typeof(MembershipOptions), [error]);
        }
    }

    /// <summary>Completes with this process's generation once it has joined.</summary>
    public Task<long> Joined => _joined.Task;

    /// <summary>Heartbeats that could not reach the database (not a death).</summary>
    public long FailedHeartbeatCount => Interlocked.Read(ref _failedHeartbeats);

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
            await _loop.ConfigureAwait(false);
        }

        if (_declaredDead || !_joined.Task.IsCompletedSuccessfully)
        {
            return;
        }

        var generation = await _joined.Task.ConfigureAwait(false);
        try
        {
            await _table.BeginLeaveAsync(_siloId, generation, cancellationToken).ConfigureAwait(false);
            await _table.LeaveAsync(_siloId, generation, cancellationToken).ConfigureAwait(false);
            LogLeft(_logger, _siloId, generation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The lease expires on its own; the reaper finishes what the leave could not.
            LogLeaveFailed(_logger, _siloId, generation, ex);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            var generation = await JoinAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_options.HeartbeatInterval, _timeProvider);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (await HeartbeatAsync(generation, stoppingToken).ConfigureAwait(false) is false)
                {
                    _declaredDead = true;
                    LogDeclaredDead(_logger, _siloId, generation);
                    await _deathHandler.OnDeclaredDeadAsync(_siloId, generation, stoppingToken).ConfigureAwait(false);
                    return;
                }

                if (_options.RunReaper)
                {
                    await ReapAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _joined.TrySetCanceled(stoppingToken);
        }
    }

    private async Task<long> JoinAsync(CancellationToken stoppingToken)
    {
        // The registration may wait for facts only known at run time (the Docker daemon's ID).
        var registration = await _registrationSource.GetRegistrationAsync(stoppingToken).ConfigureAwait(false);
        _siloId = registration.SiloId;
        var delay = _options.HeartbeatInterval;
        while (true)
        {
            try
            {
                var generation = await _table.JoinAsync(registration, stoppingToken).ConfigureAwait(false);
                LogJoined(_logger, _siloId, generation, registration.DockerHostId);
                _joined.TrySetResult(generation);
                return generation;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogJoinFailed(_logger, _siloId, delay, ex);
                await Task.Delay(delay, _timeProvider, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>True when renewed, false when declared dead, null when the database could not be asked.</summary>
    private async Task<bool?> HeartbeatAsync(long generation, CancellationToken stoppingToken)
    {
        try
        {
            return await _table.HeartbeatAsync(_siloId, generation, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failedHeartbeats);
            LogHeartbeatFailed(_logger, _siloId, generation, ex);
            return null;
        }
    }

    private async Task ReapAsync(CancellationToken stoppingToken)
    {
        try
        {
            var result = await _table.ReapAsync(stoppingToken).ConfigureAwait(false);
            foreach (var (siloId, generation) in result.Reaped)
            {
                LogReaped(_logger, siloId, generation);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogReapFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} joined as generation {Generation} for Docker host {DockerHostId}")]
    private static partial void LogJoined(ILogger logger, string siloId, long generation, string dockerHostId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {SiloId} could not join; retrying in {Delay}")]
    private static partial void LogJoinFailed(ILogger logger, string siloId, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of silo {SiloId} generation {Generation} could not reach the database; still a member until told otherwise")]
    private static partial void LogHeartbeatFailed(ILogger logger, string siloId, long generation, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {SiloId} generation {Generation} was declared dead by the membership table; stopping")]
    private static partial void LogDeclaredDead(ILogger logger, string siloId, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reaped silo {SiloId} generation {Generation}: its lease expired")]
    private static partial void LogReaped(ILogger logger, string siloId, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A reaper round failed")]
    private static partial void LogReapFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} generation {Generation} left the cluster")]
    private static partial void LogLeft(ILogger logger, string siloId, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {SiloId} generation {Generation} could not leave; its lease will expire")]
    private static partial void LogLeaveFailed(ILogger logger, string siloId, long generation, Exception exception);
}
