using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Grains.Persistence;

/// <summary>
/// Where grains hand what must outlive them: host facts, container metadata, container events and closed minutes. The silo backs it
/// with a batched writer, so a grain never waits on the database.
/// </summary>
public interface IMonitorSink
{
    void HostSeen(HostInfo host);

    void ContainerChanged(ContainerInfo container);

    void MinuteClosed(MinuteAggregate aggregate);

    /// <summary>A container event as Docker reported it; every one handed over is written (writes are idempotent).</summary>
    void EventRecorded(ContainerEvent containerEvent);
}
