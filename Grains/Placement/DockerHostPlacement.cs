using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Runtime.Placement;

namespace Orleans.Monitor.Grains.Placement;

/// <summary>
/// A grain of one Docker host lives on the silo that watches that daemon, and nowhere else: not while that silo is
/// dead, not for load. The daemon ID is read from the grain key (<see cref="GrainKeys"/>).
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class DockerHostPlacementStrategy : PlacementStrategy
{
    internal static DockerHostPlacementStrategy Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="DockerHostPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DockerHostPlacementAttribute : PlacementAttribute
{
    public DockerHostPlacementAttribute()
        : base(DockerHostPlacementStrategy.Instance)
    {
    }
}

/// <summary>
/// Picks the active silo whose Orleans silo name declares the grain's daemon (<see cref="HostSiloName"/>), read from
/// the membership snapshot every silo holds (no remote call). When none is active it throws
/// <see cref="HostUnavailableException"/> at once: placement is deterministic, so retrying it only adds latency.
/// </summary>
public sealed class DockerHostPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hostId = GrainKeys.HostIdOf(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        var siloName = HostSiloName.For(hostId);
        SiloAddress? chosen = null;
        foreach (var silo in compatible)
        {
            // Two rows can declare one daemon for a moment (a restarted silo before the old one is declared dead): the newest generation wins.
            if (membership.CurrentSnapshot.Members.TryGetValue(silo, out var member)
                && member.Status == SiloStatus.Active
                && member.Name == siloName
                && (chosen is null || silo.Generation > chosen.Generation))
            {
                chosen = silo;
            }
        }

        return chosen is null
            ? Task.FromException<SiloAddress>(new HostUnavailableException(hostId, compatible.Length))
            : Task.FromResult(chosen);
    }
}

/// <summary>Registers placement by Docker host on a silo; every silo of the cluster must run it (placement runs where a call arrives).</summary>
public static class DockerHostPlacementExtensions
{
    public static ISiloBuilder AddDockerHostPlacement(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPlacementDirector<DockerHostPlacementStrategy, DockerHostPlacementDirector>();
        builder.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.PlacementMaxRetries = 0);
        return builder;
    }
}
