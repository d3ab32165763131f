using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Prometheus;

namespace Orleans.Monitor.Metrics.Telemetry;

/// <summary>
/// Republishes <see cref="System.Diagnostics.Metrics"/> instruments (the monitor's own meters, <c>Orleans.Monitor.*</c>,
/// and Orleans' <c>Microsoft.Orleans</c>) as <c>orleans_monitor_*</c> series of a prometheus-net registry.
/// prometheus-net's own MeterAdapter names series <c>{meter}_{instrument}</c> and leaves counters without <c>_total</c>,
/// which <c>promtool check metrics</c> rejects; here every name gets one prefix, base units and Prometheus' suffixes.
/// Observable instruments are read when a scrape asks, so they cost nothing in between.
/// </summary>
internal sealed class MeterBridge : IDisposable
{
    public const string Prefix = "orleans_monitor_";

    private static readonly string[] NoLabels = [];
    private static readonly string[] InstrumentPrefixes = ["monitor.", "orleans-", "orleans."];

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly Func<Meter, bool> _meters;

    public MeterBridge(CollectorRegistry registry, Func<Meter, bool> meters)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _meters = meters;
        _listener.InstrumentPublished = OnPublished;
        _listener.SetMeasurementEventCallback<byte>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, m, tags, state) => ((Series)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, m, tags, state) => ((Series)state!).Record((double)m, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>How an instrument's measurements become a series.</summary>
    internal enum Kind
    {
        /// <summary>Counter: each measurement is an increment.</summary>
        CounterDelta,

        /// <summary>ObservableCounter: each measurement is the running total.</summary>
        CounterTotal,

        /// <summary>UpDownCounter: each measurement is a change up or down.</summary>
        GaugeDelta,

        /// <summary>Gauge, ObservableGauge, ObservableUpDownCounter: each measurement is the value.</summary>
        GaugeValue,

        Histogram,
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The instrument's kind, or null for one this bridge does not carry.</summary>
    internal static Kind? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(Counter<>) ? Kind.CounterDelta
            : definition == typeof(ObservableCounter<>) ? Kind.CounterTotal
            : definition == typeof(UpDownCounter<>) ? Kind.GaugeDelta
            : definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>) ? Kind.GaugeValue
            : definition == typeof(Histogram<>) ? Kind.Histogram
            : null;
    }

    /// <summary>
    /// <c>orleans_monitor_</c> + the instrument name without its own <c>monitor.</c>/<c>orleans-</c> prefix, in snake
    /// case, with the base unit (<c>ms</c> becomes <c>_seconds</c> and is scaled) and <c>_total</c> on counters only.
    /// </summary>
    internal static string SeriesName(string instrumentName, string? unit, Kind kind, out double scale)
    {
        var name = instrumentName;
        foreach (var prefix in InstrumentPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[prefix.Length..];
                break;
            }
        }

        name = Prefix + Snake(name);
        (var suffix, scale) = unit switch
        {
            "s" => ("_seconds", 1.0),
            "ms" => ("_seconds", 1e-3),
            "us" or "μs" => ("_seconds", 1e-6),
            "ns" => ("_seconds", 1e-9),
            "By" => ("_bytes", 1.0),
            _ => (string.Empty, 1.0),
        };

        var counter = kind is Kind.CounterDelta or Kind.CounterTotal;
        if (name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        // Names ending like a histogram's own series would read as one; a unit word of a scaled name is replaced.
        foreach (var reserved in (string[])["_count", "_sum", "_bucket", "_ms", "_milliseconds"])
        {
            if (name.EndsWith(reserved, StringComparison.Ordinal) && kind != Kind.Histogram)
            {
                name = name[..^reserved.Length] + (reserved is "_count" ? "_number" : string.Empty);
            }
        }

        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return counter ? name + "_total" : name;
    }

    /// <summary>Letters, digits and '_' only, lower case, camelCase split with '_'.</summary>
    internal static string Snake(string value)
    {
        var snake = new StringBuilder(value.Length + 4);
        var previous = '_';
        foreach (var c in value)
        {
            var next = char.IsAsciiLetterOrDigit(c) ? c : '_';
            if (char.IsAsciiLetterUpper(next) && (char.IsAsciiLetterLower(previous) || char.IsAsciiDigit(previous)))
            {
                snake.Append('_');
            }

            next = char.ToLowerInvariant(next);
            if (next != '_' || (snake.Length > 0 && snake[^1] != '_'))
            {
                snake.Append(next);
            }

            previous = c;
        }

        return snake.ToString().TrimEnd('_');
    }

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meters(instrument.Meter) || KindOf(instrument) is not { } kind)
        {
            return;
        }

        var name = SeriesName(instrument.Name, instrument.Unit, kind, out var scale);
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? $"{instrument.Meter.Name} {instrument.Name}" : instrument.Description;
        listener.EnableMeasurementEvents(instrument, new Series(_factory, kind, name, help, scale, instrument.Unit));
    }

    /// <summary>One instrument's families, one per set of tag names it was measured with.</summary>
    private sealed class Series(IMetricFactory factory, Kind kind, string name, string help, double scale, string? unit)
    {
        private readonly ConcurrentDictionary<string, object?> _families = new(StringComparer.Ordinal);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            value *= scale;
            var names = NoLabels;
            var values = NoLabels;
            var key = string.Empty;
            if (tags.Length > 0)
            {
                names = new string[tags.Length];
                values = new string[tags.Length];
                for (var i = 0; i < tags.Length; i++)
                {
                    names[i] = Snake(tags[i].Key);
                    values[i] = Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty;
                }

                Array.Sort(names, values, StringComparer.Ordinal);
                key = string.Join('\u001f', names);
            }

            var family = _families.TryGetValue(key, out var known) ? known : _families.GetOrAdd(key, Create(names));
            switch (family)
            {
                case Counter counter when kind == Kind.CounterDelta && value > 0:
                    (names.Length == 0 ? counter : (ICounter)counter.WithLabels(values)).Inc(value);
                    break;
                case Counter counter when kind == Kind.CounterTotal:
                    (names.Length == 0 ? counter : (ICounter)counter.WithLabels(values)).IncTo(value);
                    break;
                case Gauge gauge when kind == Kind.GaugeDelta:
                    (names.Length == 0 ? gauge : (IGauge)gauge.WithLabels(values)).Inc(value);
                    break;
                case Gauge gauge:
                    (names.Length == 0 ? gauge : (IGauge)gauge.WithLabels(values)).Set(value);
                    break;
                case Histogram histogram:
                    (names.Length == 0 ? histogram : (IHistogram)histogram.WithLabels(values)).Observe(value);
                    break;
                default:
                    break;
            }
        }

        /// <summary>The family, or null when another instrument holds the name with another type or other labels.</summary>
        private object? Create(string[] names)
        {
            try
            {
                return kind switch
                {
                    Kind.CounterDelta or Kind.CounterTotal => factory.CreateCounter(name, help, names),
                    Kind.GaugeDelta or Kind.GaugeValue => factory.CreateGauge(name, help, names),
                    _ => factory.CreateHistogram(name, help, names, new HistogramConfiguration { Buckets = Buckets(unit) }),
                };
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                return null;
            }
        }

        private static double[] Buckets(string? unit) => unit switch
        {
            "s" or "ms" or "us" or "μs" or "ns" => Histogram.ExponentialBuckets(0.0005, 2, 16),
            "By" => Histogram.ExponentialBuckets(64, 4, 10),
            _ => Histogram.ExponentialBuckets(1, 2, 16),
        };
    }
}
