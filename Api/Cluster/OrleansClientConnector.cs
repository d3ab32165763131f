using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Monitor.Contracts.Hosting;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Api.Cluster;

/// <summary>Cluster mode: this Api is an Orleans client that finds gateways through Redis membership.</summary>
public sealed class OrleansClientConnector(IConfiguration configuration, ILoggerFactory loggers) : IClusterConnector
{
    /// <summary>How long a call may wait for an answer: a hung silo stalls calls routed through its gateway at most this long.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    public string? ProvisionalHostId => null;

    public async Task<IHost> ConnectAsync(CancellationToken cancellationToken)
    {
        var dashboard = OrleansConfiguration.DashboardEnabled(configuration);
        var builder = InProcessHost.CreateBuilder(loggers, dashboard);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = OrleansConfiguration.Redis(configuration));
            client.Configure<ClusterOptions>(o => OrleansConfiguration.BindCluster(o, configuration));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            if (OrleansTls.Read(configuration) is { } tls)
            {
                // Owned by the client host's container, disposed with it.
                client.Services.AddSingleton(tls);
                client.UseTls(tls.Certificate, tls.Configure);
            }
            if (dashboard)
            {
                client.AddDashboard();
            }
        });
        return await InProcessHost.StartAsync(builder, cancellationToken);
    }

    /// <remarks>
    /// Everything but a bad setting: a client started before any silo (or while Redis is down) fails its start with
    /// <c>SiloUnavailableException</c>, <c>RedisConnectionException</c> or a <c>TaskCanceledException</c> of Orleans' own.
    /// </remarks>
    public bool IsTransient(Exception exception) =>
        exception is not (InvalidSettingException or OptionsValidationException) && !InvalidSettingException.IsBindingFailure(exception);
}
