using Orleans.Monitor.Contracts.Containers;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.Grains.Stats.Api;

/// <summary>
/// Counters from the Docker stats API: one long <c>stream=true</c> connection per running container, the
/// cheapest way the API offers (see docs/adr/0002-docker-stats-collection.md).
/// </summary>
public sealed class DockerApiStatsSource(DockerDaemon daemon, TimeProvider timeProvider, ILogger<DockerApiStatsSource> logger)
    : IStatsSource
{
    /// <summary>How long a read waits for the daemon's next 1 s tick before answering NoData.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMilliseconds(250);

    public string Name => "docker-api";

    /// <summary>How long a read waits for a frame not yet returned.</summary>
    public TimeSpan MaxWait { get; init; } = DefaultMaxWait;

    /// <summary>How long a stream may stay silent (dockerd sends a frame a second) before it is reopened.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public IContainerStatsReader CreateReader(ContainerTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new DockerStreamStatsReader(daemon, target.ContainerId, timeProvider, logger, MaxWait, StallTimeout);
    }
}
