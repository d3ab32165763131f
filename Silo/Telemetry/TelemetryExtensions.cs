using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Orleans.Monitor.Silo.Telemetry;

/// <summary>
/// Metrics of the monitor itself. Exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so a
/// default run opens no connection anywhere.
/// </summary>
public static class TelemetryExtensions
{
    public static IHostApplicationBuilder AddMonitorTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Services.AddHostedService<OtlpMetricsExporter>();
        return builder;
    }

    /// <summary>
    /// Owns the meter provider for the process lifetime (the hosting integration package is not available here, so
    /// this is its few lines). The exporter reads its endpoint, headers and protocol from the OTEL_* variables.
    /// </summary>
    private sealed class OtlpMetricsExporter : IHostedService, IDisposable
    {
        private MeterProvider? _provider;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _provider = Sdk.CreateMeterProviderBuilder()
                .AddMeter("Orleans.Monitor.*", "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                    "Microsoft.AspNetCore.Http.Connections", "System.Runtime", "System.Net.Http")
                .AddOtlpExporter()
                .Build();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _provider?.ForceFlush(5000);
            return Task.CompletedTask;
        }

        public void Dispose() => _provider?.Dispose();
    }
}
