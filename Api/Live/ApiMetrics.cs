using System.Diagnostics.Metrics;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// The Api's own health as metrics (meter <c>Orleans.Monitor.Api</c>), observed from <see cref="LiveFrames"/> only when
/// a collector asks, so the live path pays nothing for them.
/// </summary>
public sealed class ApiMetrics
{
    public const string MeterName = "Orleans.Monitor.Api";

    public ApiMetrics(IMeterFactory meterFactory, LiveFrames frames)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(frames);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("monitor.live.subscribers", () => frames.SubscriberCount, "{subscriber}",
            "Live hub streams reading frames.");
        meter.CreateObservableCounter("monitor.live.frames_replaced", () => frames.ReplacedFrames, "{frame}",
            "Frames a slow hub stream skipped because a newer frame of the same host replaced them.");
        meter.CreateObservableUpDownCounter("monitor.live.hosts", () => frames.Latest.Count, "{host}",
            "Hosts with a frame (any status).");
        meter.CreateObservableUpDownCounter("monitor.live.containers", () => frames.Latest.Sum(f => f.Containers.Length), "{container}",
            "Containers in the newest frames.");
    }
}
