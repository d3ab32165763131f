using System.Diagnostics.Metrics;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.Silo.Telemetry;

/// <summary>
/// The silo's own health as metrics (meter <c>Orleans.Monitor.Silo</c>): observed from the aggregate writer when a collector asks, so the sampling path pays nothing for them.
/// </summary>
public sealed class SiloMetrics : IHostedService
{
    public const string MeterName = "Orleans.Monitor.Silo";

    public SiloMetrics(IMeterFactory meterFactory, AggregateWriter writer, WriteSpool spool)
    {
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("monitor.store.pending", () => writer.PendingCount, "{row}",
            "Minute aggregates waiting to be written (grows during a database outage).");
        meter.CreateObservableCounter("monitor.store.dropped", () => writer.DroppedCount, "{row}",
            "Minute aggregates dropped because the pending cap was reached.");
        meter.CreateObservableCounter("monitor.store.failed_flushes", () => writer.FailedFlushCount, "{flush}",
            "Batch writes that failed and will be retried.");
        meter.CreateObservableUpDownCounter("monitor.store.spooled", () => spool.Rows, "{row}",
            "Rows in the local spool: accepted and kept on disk until the database has them.");
        meter.CreateObservableCounter("monitor.store.spool_dropped", () => spool.DroppedRows, "{row}",
            "Spooled rows dropped because Storage:Spool:MaxRows was reached.");
    }

    /// <summary>Started with the host only so the meter exists for any listener (OTLP, dotnet-counters) from the start.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
