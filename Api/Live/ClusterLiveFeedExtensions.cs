using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Api.Live;

/// <summary>Cluster mode of the Api: no co-hosted silo; the live view comes from every silo's stream.</summary>
public static class ClusterLiveFeedExtensions
{
    public static IHostApplicationBuilder AddClusterLiveFeed(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddMembershipListener();
        builder.Services.AddSingleton<HostFrameBroadcaster>();
        builder.Services.AddSingleton<ClusterLiveFeed>();
        builder.Services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<ClusterLiveFeed>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterLiveFeed>());
        return builder;
    }
}
