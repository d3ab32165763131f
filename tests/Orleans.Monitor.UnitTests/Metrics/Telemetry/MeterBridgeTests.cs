using System.Diagnostics.Metrics;
using System.Text;
using Orleans.Monitor.Metrics.Telemetry;
using Orleans.Monitor.UnitTests.Metrics.Containers;
using Prometheus;

namespace Orleans.Monitor.UnitTests.Metrics.Telemetry;

public sealed class MeterBridgeTests
{
    [Theory]
    [InlineData("monitor.store.pending", "{row}", "GaugeValue", "orleans_monitor_store_pending", 1.0)]
    [InlineData("monitor.live.frames_replaced", "{frame}", "CounterTotal", "orleans_monitor_live_frames_replaced_total", 1.0)]
    [InlineData("orleans-grains", "{grain}", "GaugeDelta", "orleans_monitor_grains", 1.0)]
    [InlineData("orleans-app-requests-latency", "ms", "Histogram", "orleans_monitor_app_requests_latency_seconds", 1e-3)]
    [InlineData("orleans-messaging-sent-messages-size", "By", "CounterDelta", "orleans_monitor_messaging_sent_messages_size_bytes_total", 1.0)]
    [InlineData("orleans-catalog-activation-count", null, "GaugeValue", "orleans_monitor_catalog_activation_number", 1.0)]
    [InlineData("someCamelCase.total", null, "GaugeValue", "orleans_monitor_some_camel_case", 1.0)]
    public void SeriesName_Instrument_HasThePrefixBaseUnitsAndSuffixes(string instrument, string? unit, string kind, string expected, double expectedScale)
    {
        Assert.Equal(expected, MeterBridge.SeriesName(instrument, unit, Enum.Parse<MeterBridge.Kind>(kind), out var scale));
        Assert.Equal(expectedScale, scale);
    }

    [Fact]
    public async Task Scrape_OwnMeters_AreRepublishedWithTheirTagsAsLabels()
    {
        using var meter = new Meter("Orleans.Monitor.Test." + Guid.NewGuid().ToString("N"));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new MeterBridge(registry, m => m == meter);
        var sent = meter.CreateCounter<long>("monitor.test.sent", "{frame}", "Frames sent.");
        var latency = meter.CreateHistogram<double>("monitor.test.latency", "ms", "Latency.");
        meter.CreateObservableGauge("monitor.test.pending", () => 7, "{row}", "Pending rows.");

        sent.Add(3, new KeyValuePair<string, object?>("hostId", "h1"));
        sent.Add(2, new KeyValuePair<string, object?>("hostId", "h1"));
        latency.Record(250);

        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, ExpositionFormat.PrometheusText, CancellationToken.None);
        var series = Scrape.Parse(Encoding.UTF8.GetString(stream.ToArray()));

        Assert.Equal(5, series.Single(s => s.Name == "orleans_monitor_test_sent_total").Value);
        Assert.Equal("h1", series.Single(s => s.Name == "orleans_monitor_test_sent_total").Label("host_id"));
        Assert.Equal(7, series.Single(s => s.Name == "orleans_monitor_test_pending").Value);
        Assert.Equal(0.25, series.Single(s => s.Name == "orleans_monitor_test_latency_seconds_sum").Value);
    }
}
