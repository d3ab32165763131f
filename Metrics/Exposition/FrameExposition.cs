using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Metrics.Containers;
using Orleans.Monitor.Metrics.Telemetry;
using Prometheus;

namespace Orleans.Monitor.Metrics.Exposition;

/// <summary>The newest frame of each host to expose, read once per scrape.</summary>
public delegate ValueTask<IReadOnlyCollection<HostFrame>> FrameSource(CancellationToken cancellationToken);

/// <summary>
/// One process's Prometheus exposition: a prometheus-net registry whose container and host series are set from the
/// newest host frames when a scrape asks (no timer, no grain call on the Api, which already holds every host's frame),
/// plus the monitor's own meters. Serialization, content negotiation and OpenMetrics are prometheus-net's.
/// </summary>
public sealed class FrameExposition : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ContainerSeries _containers;
    private readonly HostSeries _hosts;
    private readonly MeterBridge? _meters;

    /// <param name="labelKeys">Docker label keys that become series labels (<see cref="Hosting.MetricsSettings.Labels"/>).</param>
    /// <param name="frames">Where the frames come from at each scrape.</param>
    /// <param name="meters">Which meters to republish as <c>orleans_monitor_*</c>; null for none.</param>
    public FrameExposition(ImmutableArray<string> labelKeys, FrameSource frames, Func<Meter, bool>? meters)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _containers = new ContainerSeries(factory, labelKeys);
        _hosts = new HostSeries(factory);
        if (meters is not null)
        {
            _meters = new MeterBridge(Registry, meters);
        }

        Registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            var latest = await frames(cancellationToken);
            await _gate.WaitAsync(cancellationToken);
            try
            {
                _containers.Update(latest);
                _hosts.Update(latest);
            }
            finally
            {
                _gate.Release();
            }
        });
    }

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Containers with series after the last scrape.</summary>
    public int ContainerCount => _containers.Count;

    /// <summary>The meters of the monitor itself and of Orleans.</summary>
    public static bool IsOwnMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.Name.StartsWith("Orleans.Monitor.", StringComparison.Ordinal) || meter.Name == "Microsoft.Orleans";
    }

    /// <summary>Collects and writes one scrape, as <c>/metrics</c> would answer it.</summary>
    public Task WriteAsync(Stream destination, ExpositionFormat format, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, format, cancellationToken);

    public void Dispose()
    {
        _meters?.Dispose();
        _gate.Dispose();
    }
}
