using System.Collections.Concurrent;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Persistence;

namespace Orleans.Monitor.IntegrationTests.Grains;

/// <summary>Keeps what the grains of one silo hand to the store, in order, so a test can read it back.</summary>
public sealed class RecordingSink : IMonitorSink
{
    private readonly ConcurrentQueue<HostInfo> _hosts = new();
    private readonly ConcurrentQueue<ContainerInfo> _containers = new();
    private readonly ConcurrentQueue<MinuteAggregate> _minutes = new();
    private readonly ConcurrentQueue<ContainerEvent> _events = new();

    public IReadOnlyList<HostInfo> Hosts => [.. _hosts];

    public void HostSeen(HostInfo host) => _hosts.Enqueue(host);

    public void ContainerChanged(ContainerInfo container) => _containers.Enqueue(container);

    public void MinuteClosed(MinuteAggregate aggregate) => _minutes.Enqueue(aggregate);

    public void EventRecorded(ContainerEvent containerEvent) => _events.Enqueue(containerEvent);

    /// <summary>Every event recorded for one container, in the order it was handed over.</summary>
    public IReadOnlyList<ContainerEvent> EventsOf(string containerId) => [.. _events.Where(e => e.ContainerId == containerId)];

    /// <summary>Every metadata change stored for one container, oldest first.</summary>
    public IReadOnlyList<ContainerInfo> ChangesOf(string containerId) => [.. _containers.Where(c => c.Id == containerId)];

    /// <summary>Every closed minute of one container, in the order they were closed.</summary>
    public IReadOnlyList<MinuteAggregate> MinutesOf(string containerId) => [.. _minutes.Where(m => m.ContainerId == containerId)];
}
