using System.Collections.Concurrent;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// One-way notes from container grains to their host grain, drained by the host grain on its own timer. A container
/// grain must not await a call into its host grain from inside its turn: the host grain may at that moment be
/// awaiting a call into the container grain, and both would wait for ever (Orleans' A→B→A deadlock).
/// </summary>
public sealed class ChildReports
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ChildReport>> _hosts = new(StringComparer.Ordinal);

    /// <summary>The container stopped or vanished between list and read; the host grain asks Docker what happened.</summary>
    public void Vanished(string hostId, string containerId) => Queue(hostId).Enqueue(new ChildReport(containerId, null));

    /// <summary>The container grain failed repeatedly and wants a supervised restart.</summary>
    public void Faulted(string hostId, string containerId, string reason) => Queue(hostId).Enqueue(new ChildReport(containerId, reason));

    public IReadOnlyList<ChildReport> Drain(string hostId)
    {
        if (!_hosts.TryGetValue(hostId, out var queue) || queue.IsEmpty)
        {
            return [];
        }

        var reports = new List<ChildReport>();
        while (queue.TryDequeue(out var report))
        {
            reports.Add(report);
        }

        return reports;
    }

    private ConcurrentQueue<ChildReport> Queue(string hostId) => _hosts.GetOrAdd(hostId, static _ => new());
}

/// <summary>A note from a container grain: vanished when <see cref="FaultReason"/> is null, otherwise faulted.</summary>
public sealed record ChildReport(string ContainerId, string? FaultReason);
