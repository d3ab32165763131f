using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.Silo.Membership;

/// <summary>
/// A silo joins once it knows two things: which Docker daemon it watches (so one live silo owns each host) and the
/// URL Api instances can reach it at (known once Kestrel has bound its port).
/// </summary>
public sealed class DockerSiloRegistration(
    DockerHostAgent docker,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<SiloOptions> siloOptions,
    IOptions<MembershipOptions> membershipOptions) : ISiloRegistrationSource
{
    public async Task<SiloRegistration> GetRegistrationAsync(CancellationToken cancellationToken)
    {
        var host = await docker.Identity.WaitAsync(cancellationToken).ConfigureAwait(false);
        await WaitForServerAsync(cancellationToken).ConfigureAwait(false);
        var membership = membershipOptions.Value;
        return new SiloRegistration(
            membership.SiloId,
            host.HostId,
            AdvertisedUrl(),
            membership.Version,
            Environment.MachineName);
    }

    private async Task WaitForServerAsync(CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult()).ConfigureAwait(false);
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private string AdvertisedUrl()
    {
        if (!string.IsNullOrWhiteSpace(siloOptions.Value.AdvertisedUrl))
        {
            return siloOptions.Value.AdvertisedUrl.TrimEnd('/');
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"{SiloOptions.Section}:{nameof(SiloOptions.AdvertisedUrl)} is not set and the server reports no address.");
        var uri = new Uri(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        var hostName = uri.Host is "0.0.0.0" or "[::]" or "::" ? System.Net.Dns.GetHostName() : uri.Host;
        return new UriBuilder(uri) { Host = hostName }.Uri.ToString().TrimEnd('/');
    }
}
