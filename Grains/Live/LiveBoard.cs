using System.Collections.Concurrent;
using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Grains.Live;

/// <summary>
/// The newest state of every container in this silo, written by container grains after each sample and read by
/// host grains once per second to build frames. It replaces a per-second call to every container grain.
/// </summary>
public sealed class LiveBoard
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ContainerLive>> _hosts = new(StringComparer.Ordinal);

    public void Set(string hostId, ContainerLive live)
    {
        ArgumentNullException.ThrowIfNull(live);
        _hosts.GetOrAdd(hostId, static _ => new(StringComparer.Ordinal))[live.Container.Id] = live;
    }

    public void Remove(string hostId, string containerId)
    {
        if (_hosts.TryGetValue(hostId, out var containers))
        {
            containers.TryRemove(containerId, out _);
        }
    }

    public ContainerLive[] Snapshot(string hostId) =>
        _hosts.TryGetValue(hostId, out var containers) ? [.. containers.Values] : [];

    public bool TryGet(string containerId, out string hostId, out ContainerLive? live)
    {
        foreach (var (host, containers) in _hosts)
        {
            if (containers.TryGetValue(containerId, out live))
            {
                hostId = host;
                return true;
            }
        }

        hostId = string.Empty;
        live = null;
        return false;
    }
}
