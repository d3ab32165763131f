using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.Silo.Membership;

/// <summary>Cluster membership of a silo process: join with the daemon's ID and the advertised URL, heartbeat, leave.</summary>
public static class SiloMembershipExtensions
{
    public static IHostApplicationBuilder AddSiloClusterMembership(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ISiloRegistrationSource, DockerSiloRegistration>();
        builder.AddSiloMembership();
        return builder;
    }
}
