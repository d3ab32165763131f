namespace Orleans.Monitor.Contracts.Scaling;

/// <summary>
/// The autoscaler of one Swarm service (key: the service name). It applies <see cref="ScaleLimits"/> (min, max,
/// cooldown), records every decision, and sends the replica update through a silo whose daemon is a Swarm manager.
/// It sends nothing to Docker unless <c>Autoscale:Enabled=true</c>.
/// </summary>
public interface IServiceScalerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Decides on <paramref name="request"/> and, when allowed, updates the service's replica count.
    /// </summary>
    /// <returns>The decision taken, as recorded.</returns>
    Task<ScalingDecision> RequestAsync(ScaleRequest request);
}
