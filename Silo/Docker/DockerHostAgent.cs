using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Hosts;
using Orleans.Monitor.Grains.Runtime;
using Orleans.Monitor.Grains.Runtime.Supervision;
using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.Silo.Docker;

/// <summary>
/// Finds out which Docker daemon this silo watches (its ID from <c>/info</c>) and hands it to the host grain. Until the
/// daemon answers, the host is shown as unreachable under a provisional id and the agent retries with backoff.
/// </summary>
public sealed partial class DockerHostAgent(
    DockerDaemon docker,
    IStatsSource statsSource,
    IGrainFactory grains,
    HostFrameBroadcaster broadcaster,
    TimeProvider clock,
    ILogger<DockerHostAgent> logger) : BackgroundService
{
    private static readonly SupervisionPolicy RetryPolicy = new() { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) };
    private readonly TaskCompletionSource<HostInfo> _identity = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The id shown while the daemon has never answered: stable per machine, never a real daemon ID.</summary>
    public static string ProvisionalHostId { get; } = "pending-" + Environment.MachineName;

    /// <summary>Completes with the host's facts once the daemon has answered.</summary>
    public Task<HostInfo> Identity => _identity.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var info = await docker.GetHostInfoAsync(statsSource.Name, stoppingToken).ConfigureAwait(false);
                broadcaster.Forget(ProvisionalHostId);
                await grains.GetGrain<IHostGrain>(info.HostId).StartAsync(info).ConfigureAwait(false);
                LogWatching(info.HostId, info.Name, docker.Host, statsSource.Name);
                _identity.TrySetResult(info);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DockerException or HttpRequestException or IOException)
            {
                attempt++;
                if (attempt == 1)
                {
                    LogUnreachable(docker.Host, ex.Message);
                }
                else
                {
                    LogStillUnreachable(docker.Host, attempt, ex.Message);
                }

                PublishUnreachable(ex.Message, attempt);
            }

            try
            {
                await Task.Delay(RetryPolicy.GetDelay(attempt, Random.Shared.NextDouble()), clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void PublishUnreachable(string reason, int attempt) =>
        broadcaster.Publish(new HostFrame(
            attempt,
            clock.GetUtcNow(),
            null,
            ProvisionalHostId,
            HostStatus.Unreachable,
            null,
            $"Docker at {docker.Host} (DOCKER_HOST) is unreachable: {reason}",
            []));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker is unreachable at DOCKER_HOST={DockerHost}: {Reason}. The service runs on and retries with backoff.")]
    private partial void LogUnreachable(string dockerHost, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Docker still unreachable at {DockerHost} (attempt {Attempt}): {Reason}")]
    private partial void LogStillUnreachable(string dockerHost, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching Docker host {HostId} ({Name}) at {DockerHost}, stats from {StatsSource}")]
    private partial void LogWatching(string hostId, string name, string dockerHost, string statsSource);
}
