using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Silo.Persistence;

/// <summary>Hands what grains produce to the batched writer; never blocks a grain turn.</summary>
public sealed class StoreSink(AggregateWriter writer, TimeProvider clock) : IMonitorSink
{
    public void HostSeen(HostInfo host) => writer.Enqueue(host, clock.GetUtcNow());

    public void ContainerChanged(ContainerInfo container) => writer.Enqueue([container]);

    public void MinuteClosed(MinuteAggregate aggregate) => writer.Enqueue(aggregate);

    public void EventRecorded(ContainerEvent containerEvent) => writer.Enqueue(containerEvent);
}
