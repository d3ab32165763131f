using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Monitor.Metrics.Exposition;
using Orleans.Monitor.Storage;
using Prometheus;

namespace Orleans.Monitor.Metrics.Hosting;

/// <summary>
/// A silo's own <c>/metrics</c> on <c>Metrics:Port</c> (every interface), for per-node scraping as cAdvisor is deployed.
/// A web server of its own, so the silo's other endpoints and their addresses stay as they are.
/// </summary>
public sealed class MetricsServer(int port, FrameExposition exposition) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <exception cref="InvalidSettingException">The port is taken by another process.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.ListenAnyIP(port));
        builder.Services.AddRouting();
        var app = builder.Build();
        app.UseRouting();
        app.MapMetrics(MetricsHostingExtensions.Path, exposition.Registry);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is SocketException or IOException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw new InvalidSettingException($"{MetricsSettings.PortKey} ({port}) is already in use by another process.", ex);
        }

        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }
}
