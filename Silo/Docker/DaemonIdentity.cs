using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Resilience;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Silo.Docker;

/// <summary>
/// Asks the Docker daemon who it is (<c>GET /info</c>) before the silo joins, because the silo declares that daemon ID
/// in its name. Runs on a small container of its own, since the silo's host cannot be built until the answer is in.
/// </summary>
public static partial class DaemonIdentity
{
    /// <summary>
    /// One attempt, or (with <paramref name="retry"/>) attempts with backoff until the daemon answers or
    /// <paramref name="cancellationToken"/> fires, one warning per attempt.
    /// </summary>
    /// <exception cref="DockerException">The daemon did not answer (only without <paramref name="retry"/>).</exception>
    /// <exception cref="InvalidSettingException"><c>Docker:Host</c> / <c>DOCKER_HOST</c> is malformed.</exception>
    public static async Task<WatchedDaemon> ResolveAsync(IConfiguration configuration, ILoggerFactory loggers, bool retry, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddSingleton(loggers).AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddDockerDaemon(configuration);
        await using var provider = services.BuildServiceProvider();
        DockerDaemon docker;
        try
        {
            docker = provider.GetRequiredService<DockerDaemon>();
        }
        catch (OptionsValidationException ex)
        {
            throw new InvalidSettingException(ex.Message);
        }

        var logger = loggers.CreateLogger(typeof(DaemonIdentity));
        if (!retry)
        {
            return new WatchedDaemon(await docker.GetHostInfoAsync(string.Empty, cancellationToken));
        }

        var pipeline = Backoff.Forever(
            ex => ex is DockerException or HttpRequestException or IOException or TimeoutException,
            (attempt, ex, delay) => LogUnreachable(logger, docker.Host, attempt, delay, ex.Message),
            TimeProvider.System);
        var info = await pipeline.ExecuteAsync(ct => new ValueTask<Contracts.Hosts.HostInfo>(docker.GetHostInfoAsync(string.Empty, ct)), cancellationToken);
        return new WatchedDaemon(info);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker is unreachable at DOCKER_HOST={DockerHost} (attempt {Attempt}, next in {Delay}): {Reason}. The silo joins once it answers.")]
    private static partial void LogUnreachable(ILogger logger, string dockerHost, int attempt, TimeSpan delay, string reason);
}
