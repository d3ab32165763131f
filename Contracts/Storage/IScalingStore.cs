using Orleans.Monitor.Contracts.Scaling;

namespace Orleans.Monitor.Contracts.Storage;

/// <summary>
/// Durable scaling decisions of Swarm services (<c>GET /api/scaling</c>, the service history's <c>scaling</c>). The
/// same store as <see cref="IMonitorStore"/>: SQLite standalone, PostgreSQL in a cluster.
/// </summary>
public interface IScalingStore
{
    /// <summary>Appends one decision; decisions are never replaced.</summary>
    Task WriteScalingDecisionAsync(ScalingDecision decision, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="limit"/> decisions of <paramref name="service"/> inside the range, newest first.</summary>
    Task<IReadOnlyList<ScalingDecision>> GetScalingDecisionsAsync(string service, TimeRange range, int limit, CancellationToken cancellationToken);
}
