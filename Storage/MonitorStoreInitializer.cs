using Microsoft.Extensions.Hosting;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage;

/// <summary>Creates or migrates the schema before anything else starts, so a bad setting stops the process at once.</summary>
internal sealed class MonitorStoreInitializer(IMonitorStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
