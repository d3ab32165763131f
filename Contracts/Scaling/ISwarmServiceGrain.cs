namespace Orleans.Monitor.Contracts.Scaling;

/// <summary>
/// The Engine API's Swarm service calls of one Docker host (key: its daemon ID), activated only on the silo that
/// watches that daemon, which must be a Swarm manager. The one writer against Docker in the monitor.
/// </summary>
/// <exception cref="Hosts.HostUnavailableException">Thrown by any call when no live silo watches the daemon.</exception>
public interface ISwarmServiceGrain : IGrainWithStringKey
{
    /// <summary>The service's replica count and version (<c>GET /services/{name}</c>); read-only.</summary>
    /// <exception cref="SwarmServiceException">Docker refused or did not answer.</exception>
    Task<SwarmServiceReplicas> InspectAsync(string service);

    /// <summary>
    /// Moves the service's replica count by <see cref="ScaleLimits.Step"/> in <paramref name="direction"/>, within
    /// [<see cref="ScaleLimits.Min"/>, <see cref="ScaleLimits.Max"/>]: inspects it, then <c>POST /services/{id}/update</c>
    /// with the version read; when another update came in between (version conflict) it inspects again and decides
    /// again, a few times. Sends no update when the bounds leave nothing to change.
    /// </summary>
    /// <returns>Replicas before and after; <see cref="SwarmScaleResult.Applied"/> false when no update was sent.</returns>
    /// <exception cref="SwarmServiceException">Docker refused, did not answer, or the conflicts did not stop.</exception>
    Task<SwarmScaleResult> ScaleAsync(string service, ScaleDirection direction, ScaleLimits limits);
}

/// <summary>A replicated Swarm service's replica count at <paramref name="Version"/> (the Swarm object version, <c>Version.Index</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record SwarmServiceReplicas(
    [property: Id(0)] string ServiceId,
    [property: Id(1)] int Replicas,
    [property: Id(2)] long Version);

/// <summary>What <see cref="ISwarmServiceGrain.ScaleAsync"/> did: replicas before, replicas set (equal when not applied).</summary>
/// <param name="Applied">True when the update was sent and accepted.</param>
/// <param name="Disabled">True when the manager's silo has <c>Autoscale:Enabled=false</c>: nothing was sent.</param>
[GenerateSerializer, Immutable]
public sealed record SwarmScaleResult(
    [property: Id(0)] int From,
    [property: Id(1)] int To,
    [property: Id(2)] bool Applied,
    [property: Id(3)] bool Disabled = false);

/// <summary>A Swarm service call failed: the service does not exist or is not replicated, the daemon is no manager, or it did not answer.</summary>
[GenerateSerializer]
public sealed class SwarmServiceException : OrleansException
{
    public SwarmServiceException()
    {
    }

    public SwarmServiceException(string message)
        : base(message)
    {
    }

    public SwarmServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
