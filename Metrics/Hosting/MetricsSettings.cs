using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Orleans.Monitor.Metrics.Containers;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Metrics.Hosting;

/// <summary>
/// The <c>Metrics</c> settings: whether a silo serves its own host's series (<c>Metrics:Enabled</c>), on which port
/// (<c>Metrics:Port</c>), and which Docker label keys become series labels (<c>Metrics:Labels</c>, Api and silo alike).
/// </summary>
public sealed record MetricsSettings(bool Enabled, int Port, ImmutableArray<string> Labels)
{
    public const string Section = "Metrics";
    public const string EnabledKey = "Metrics:Enabled";
    public const string PortKey = "Metrics:Port";
    public const string LabelsKey = "Metrics:Labels";

    /// <summary>The OpenTelemetry Prometheus exporter's port; not cAdvisor's 8080, so both can run on one node.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Compose project and service and the swarm service: bounded per host, and what dashboards group by.</summary>
    public static readonly ImmutableArray<string> DefaultLabels =
        ["com.docker.compose.project", "com.docker.compose.service", "com.docker.swarm.service.name"];

    /// <summary>Reads and checks every <c>Metrics</c> setting.</summary>
    /// <exception cref="InvalidSettingException">A value is malformed; the message names the setting.</exception>
    public static MetricsSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new MetricsSettings(ReadEnabled(configuration), ReadPort(configuration), ReadLabels(configuration));
    }

    private static bool ReadEnabled(IConfiguration configuration)
    {
        var value = configuration[EnabledKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        return bool.TryParse(value, out var enabled)
            ? enabled
            : throw new InvalidSettingException($"{EnabledKey} must be true or false, not '{value}'.");
    }

    private static int ReadPort(IConfiguration configuration)
    {
        var value = configuration[PortKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultPort;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new InvalidSettingException($"{PortKey} must be a TCP port from 1 to 65535, not '{value}'.");
    }

    /// <summary>A list (<c>Metrics:Labels:0</c>, ...) or one comma-separated value (<c>Metrics__Labels=a,b</c>); empty means none.</summary>
    private static ImmutableArray<string> ReadLabels(IConfiguration configuration)
    {
        var section = configuration.GetSection(LabelsKey);
        IEnumerable<string?> keys;
        if (section.Value is { } joined)
        {
            keys = joined.Split(',');
        }
        else if (section.GetChildren().Any())
        {
            keys = section.GetChildren().Select(c => c.Value);
        }
        else
        {
            return DefaultLabels;
        }

        var labels = ImmutableArray.CreateBuilder<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys.Select(k => k?.Trim()).Where(k => !string.IsNullOrEmpty(k)))
        {
            // Two keys that sanitize to the same label name would make one series carry two values for it.
            if (!names.Add(SeriesLabels.ContainerLabel(key!)))
            {
                throw new InvalidSettingException($"{LabelsKey} names two Docker labels that become the same series label: '{key}'.");
            }

            labels.Add(key!);
        }

        return labels.ToImmutable();
    }
}
