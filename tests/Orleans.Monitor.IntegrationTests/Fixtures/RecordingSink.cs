using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Grains.Persistence;
using Orleans.Monitor.Silo.Persistence;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// Wraps the app's <see cref="StoreSink"/> and records every minute the container grains hand to the writer, so a test
/// can count what was handed per (container, minute) rather than read a table whose primary key hides duplicates.
/// </summary>
public sealed class RecordingSink(IMonitorSink inner) : IMonitorSink
{
    private readonly ConcurrentQueue<MinuteAggregate> _minutes = new();

    /// <summary>Every minute handed over so far, in the order it was handed.</summary>
    public IReadOnlyList<MinuteAggregate> Minutes => [.. _minutes];

    /// <summary>Replaces the app's sink with a recording one around the real <see cref="StoreSink"/>.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<StoreSink>();
        services.AddSingleton(sp => new RecordingSink(sp.GetRequiredService<StoreSink>()));
        services.AddSingleton<IMonitorSink>(sp => sp.GetRequiredService<RecordingSink>());
    }

    public void HostSeen(HostInfo host) => inner.HostSeen(host);

    public void ContainerChanged(ContainerInfo container) => inner.ContainerChanged(container);

    public void EventRecorded(ContainerEvent containerEvent) => inner.EventRecorded(containerEvent);

    public void MinuteClosed(MinuteAggregate aggregate)
    {
        _minutes.Enqueue(aggregate);
        inner.MinuteClosed(aggregate);
    }
}
