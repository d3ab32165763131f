using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Metrics.Containers;
using Prometheus;

namespace Orleans.Monitor.Metrics.Telemetry;

/// <summary>
/// The monitor's own series per host, from the same frames as the container series: whether the host is up, how many
/// containers it has, how long its last sampling pass took. A host that leaves the frames leaves the exposition.
/// </summary>
internal sealed class HostSeries
{
    private readonly Gauge _up;
    private readonly Gauge _containers;
    private readonly Gauge _exposed;
    private readonly Gauge _sampling;
    private readonly Gauge _frameTime;
    private readonly Dictionary<string, (string[] Values, long Generation)> _hosts = new(StringComparer.Ordinal);
    private long _generation;

    public HostSeries(IMetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        string[] labels = [SeriesLabels.Host, SeriesLabels.HostId];
        _up = factory.CreateGauge("orleans_monitor_host_up", "1 when the host's silo is active and its Docker daemon answers, else 0 (its container series are then absent).", labels);
        _containers = factory.CreateGauge("orleans_monitor_host_containers", "Containers the host's grain knows, in every state.", labels);
        _exposed = factory.CreateGauge("orleans_monitor_host_containers_exposed", "Containers of the host with series in this exposition (running or paused, read at least once).", labels);
        _sampling = factory.CreateGauge("orleans_monitor_host_sampling_seconds", "Wall time of the host's last sampling pass over all its containers.", labels);
        _frameTime = factory.CreateGauge("orleans_monitor_host_frame_timestamp_seconds", "When the host's newest frame was built, on its silo's clock.", labels);
    }

    public void Update(IEnumerable<HostFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var generation = ++_generation;
        foreach (var frame in frames)
        {
            string[] values = [frame.Host?.Name ?? string.Empty, frame.HostId];
            if (_hosts.TryGetValue(frame.HostId, out var known) && known.Values[0] != values[0])
            {
                Remove(known.Values);
            }

            _hosts[frame.HostId] = (values, generation);
            var up = frame.Status == HostStatus.Up;
            _up.WithLabels(values).Set(up ? 1 : 0);
            _containers.WithLabels(values).Set(frame.Containers.Length);
            _exposed.WithLabels(values).Set(up ? frame.Containers.Count(c => c.Counters is not null) : 0);
            _frameTime.WithLabels(values).Set(frame.Timestamp.ToUnixTimeMilliseconds() / 1000.0);
            if (frame.SamplingDuration is { } sampling)
            {
                _sampling.WithLabels(values).Set(sampling.TotalSeconds);
            }
        }

        foreach (var (hostId, gone) in _hosts.Where(h => h.Value.Generation != generation).ToList())
        {
            Remove(gone.Values);
            _hosts.Remove(hostId);
        }
    }

    private void Remove(string[] values)
    {
        _up.RemoveLabelled(values);
        _containers.RemoveLabelled(values);
        _exposed.RemoveLabelled(values);
        _sampling.RemoveLabelled(values);
        _frameTime.RemoveLabelled(values);
    }
}
