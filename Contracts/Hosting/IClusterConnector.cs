using Microsoft.Extensions.Hosting;

namespace Orleans.Monitor.Contracts.Hosting;

/// <summary>
/// How an Api process reaches Orleans: as a client of the cluster over Redis membership, or, standalone, through a
/// silo it co-hosts once its Docker daemon answers. The Api retries <see cref="ConnectAsync"/> with backoff.
/// </summary>
public interface IClusterConnector
{
    /// <summary>The host shown until the co-hosted silo's daemon answers (standalone only, else null).</summary>
    string? ProvisionalHostId { get; }

    /// <summary>
    /// One attempt: returns a started host whose services hold <c>IGrainFactory</c> and <c>IManagementGrain</c>
    /// access. Throws when the attempt failed; <see cref="IsTransient"/> tells whether another attempt may succeed.
    /// </summary>
    Task<IHost> ConnectAsync(CancellationToken cancellationToken);

    bool IsTransient(Exception exception);
}
