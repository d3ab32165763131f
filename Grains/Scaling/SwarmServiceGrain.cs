using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Placement;

namespace Orleans.Monitor.Grains.Scaling;

/// <summary>
/// The Swarm service calls of one Docker host (key: the daemon ID), on the silo that watches that daemon: all Docker
/// I/O goes through its <see cref="DockerDaemon"/>. The replica update is sent only when this silo has
/// <c>Autoscale:Enabled=true</c>.
/// </summary>
[DockerHostPlacement]
public sealed partial class SwarmServiceGrain(
    DockerDaemon docker,
    IOptions<AutoscaleOptions> options,
    ILogger<SwarmServiceGrain> logger) : Grain, ISwarmServiceGrain
{
    /// <summary>Inspect-and-update rounds before a run of version conflicts is given up.</summary>
    internal const int ConflictAttempts = 5;

    public async Task<SwarmServiceReplicas> InspectAsync(string service)
    {
        var inspected = await InspectReplicatedAsync(service);
        return new SwarmServiceReplicas(inspected.Id, inspected.Replicas!.Value, inspected.Version);
    }

    public async Task<SwarmScaleResult> ScaleAsync(string service, ScaleDirection direction, ScaleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        for (var attempt = 1; ; attempt++)
        {
            var inspected = await InspectReplicatedAsync(service);
            var current = inspected.Replicas!.Value;
            var target = ScalingPolicy.Target(current, direction, limits);
            if (!options.Value.Enabled)
            {
                return new SwarmScaleResult(current, current, Applied: false, Disabled: true);
            }

            if (target == current)
            {
                return new SwarmScaleResult(current, current, Applied: false);
            }

            try
            {
                await docker.UpdateServiceReplicasAsync(inspected, target, CancellationToken.None);
                LogScaled(service, current, target, inspected.Version);
                return new SwarmScaleResult(current, target, Applied: true);
            }
            catch (DockerVersionConflictException ex) when (attempt < ConflictAttempts)
            {
                LogConflict(service, inspected.Version, attempt, ex.Message);
            }
            catch (DockerException ex)
            {
                throw new SwarmServiceException($"updating Swarm service '{service}' to {target} replicas failed: {ex.Message}");
            }
        }
    }

    private async Task<DockerSwarmService> InspectReplicatedAsync(string service)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        DockerSwarmService inspected;
        try
        {
            inspected = await docker.InspectServiceAsync(service, CancellationToken.None);
        }
        catch (DockerException ex)
        {
            // Exceptions cross to the caller by message: ours keeps Docker's reason (no such service, not a manager).
            throw new SwarmServiceException($"inspecting Swarm service '{service}' failed: {ex.Message}");
        }

        return inspected.Replicas is null
            ? throw new SwarmServiceException($"Swarm service '{service}' is not replicated (global or job): it has no replica count to scale")
            : inspected;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swarm service {Service} scaled from {From} to {To} replicas (version {Version})")]
    private partial void LogScaled(string service, int from, int to, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Swarm service {Service} changed since version {Version} (attempt {Attempt}); inspecting again: {Reason}")]
    private partial void LogConflict(string service, long version, int attempt, string reason);
}
