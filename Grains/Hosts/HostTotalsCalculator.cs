using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Grains.Hosts;

/// <summary>
/// Sums a host's containers into its <see cref="HostTotals"/>: every container with a sample counts (a paused one
/// keeps its memory and PIDs), and the network of containers that share one namespace counts once.
/// </summary>
public static class HostTotalsCalculator
{
    /// <param name="containers">The host's containers with their latest samples.</param>
    /// <param name="networkNamespace">A container id's network namespace key; null when its network is not measured.</param>
    public static HostTotals Sum(IReadOnlyCollection<ContainerLive> containers, Func<string, string?> networkNamespace)
    {
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentNullException.ThrowIfNull(networkNamespace);
        double cpu = 0, blockRead = 0, blockWrite = 0;
        long memory = 0, pids = 0;
        Dictionary<string, Network>? networks = null;
        foreach (var live in containers)
        {
            if (live.Sample is not { } sample)
            {
                continue;
            }

            cpu += sample.CpuPercent;
            memory += sample.MemoryUsedBytes;
            pids += sample.Pids;
            blockRead += sample.BlockReadBytesPerSecond;
            blockWrite += sample.BlockWriteBytesPerSecond;
            if (sample.NetRxBytesPerSecond is { } rx && sample.NetTxBytesPerSecond is { } tx)
            {
                var id = live.Container.Id;
                var key = networkNamespace(id) ?? id;
                networks ??= new Dictionary<string, Network>(StringComparer.Ordinal);
                networks[key] = networks.TryGetValue(key, out var seen) ? seen.With(rx, tx, id == key) : new Network(rx, tx, id == key);
            }
        }

        return new HostTotals(
            cpu,
            memory,
            networks?.Values.Sum(n => n.Rx),
            networks?.Values.Sum(n => n.Tx),
            blockRead,
            blockWrite,
            pids);
    }

    /// <summary>
    /// One namespace's rates. The containers in it read the same counters a moment apart: the owner's reading stands
    /// for all of them, else the largest.
    /// </summary>
    private readonly record struct Network(double Rx, double Tx, bool FromOwner)
    {
        public Network With(double rx, double tx, bool owner) =>
            FromOwner ? this
            : owner ? new Network(rx, tx, true)
            : rx + tx > Rx + Tx ? new Network(rx, tx, false) : this;
    }
}
