using Orleans.Dashboard;
using Orleans.Monitor.Contracts.Hosting;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Contracts.Resilience;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Api.Cluster;

/// <summary>
/// Brings up this process's way into Orleans (<see cref="IClusterConnector"/>) in the background, retrying with
/// backoff, so the Api serves REST from the store while Redis or the Docker daemon is not there yet.
/// </summary>
public sealed partial class ClusterConnection(
    IClusterConnector connector,
    IConfiguration configuration,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<ClusterConnection> logger) : BackgroundService
{
    /// <summary>The exit code of a process stopped by a bad setting, as at start.</summary>
    public const int BadSettingExitCode = 2;

    private readonly TaskCompletionSource<IGrainFactory> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IHost? _host;
    private volatile string? _error = "connecting to the cluster";

    /// <summary>The started host (Orleans client or co-hosted silo), once connected.</summary>
    public IHost? Host => _connected.Task.IsCompletedSuccessfully ? _host : null;

    /// <summary>Completes once connected; the grain factory of the client (or of the co-hosted silo).</summary>
    public Task<IGrainFactory> Connected => _connected.Task;

    /// <summary>The grain factory once connected, else null.</summary>
    public IGrainFactory? Grains => _connected.Task.IsCompletedSuccessfully ? _connected.Task.Result : null;

    /// <summary>Why the last attempt failed, while not connected.</summary>
    public string? Error => _error;

    public string? ProvisionalHostId => connector.ProvisionalHostId;

    /// <summary>
    /// The Orleans Dashboard's request pipeline, built on the connected host's services (its client or co-hosted
    /// silo holds the dashboard's collectors); null unless <c>Orleans:Dashboard</c> is on and connected.
    /// </summary>
    public RequestDelegate? Dashboard { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = Backoff.Forever(
            // A cancellation is final only when this service is stopping; Orleans' client start cancels on its own too.
            ex => !stoppingToken.IsCancellationRequested && connector.IsTransient(ex),
            (attempt, ex, delay) =>
            {
                _error = ex.Message;
                LogNotConnected(attempt, delay, ex.Message);
            },
            clock,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(30));
        try
        {
            _host = await retry.ExecuteAsync(async ct => await connector.ConnectAsync(ct), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (InvalidSettingException.IsBadSetting(ex))
        {
            // SettingsCheck has read every setting at start; what is left is found only when the silo is built (a
            // silo port taken meanwhile): fail as a bad setting at start does, one line naming it and exit code 2
            // (Program returns Environment.ExitCode), not a silent exit 0.
            _error = InvalidSettingException.OneLine(ex);
            await Console.Error.WriteLineAsync(_error);
            Environment.ExitCode = BadSettingExitCode;
            lifetime.StopApplication();
            return;
        }

        if (OrleansConfiguration.DashboardEnabled(configuration))
        {
            var dashboard = new ApplicationBuilder(_host.Services);
            dashboard.UseRouting();
            dashboard.UseEndpoints(e => e.MapOrleansDashboard(routePrefix: null));
            Dashboard = dashboard.Build();
        }

        _error = null;
        LogConnected();
        _connected.TrySetResult(_host.Services.GetRequiredService<IGrainFactory>());
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_host is { } host)
        {
            // A silo leaves the cluster cleanly here; a client closes its gateway connections.
            await host.StopAsync(cancellationToken);
            host.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not connected to the cluster yet (attempt {Attempt}, next in {Delay}): {Reason}")]
    private partial void LogNotConnected(int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the cluster")]
    private partial void LogConnected();
}
