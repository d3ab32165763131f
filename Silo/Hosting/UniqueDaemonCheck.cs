using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Silo.Docker;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// Runs before the silo becomes active: a live silo that already declares this daemon at another endpoint keeps it,
/// and this one refuses to start. A silo at this very endpoint is an earlier generation of this process (killed and
/// restarted): Orleans retires it when this one joins.
/// </summary>
public sealed partial class UniqueDaemonCheck(
    WatchedDaemon daemon,
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    TimeProvider clock,
    ILogger<UniqueDaemonCheck> logger)
{
    /// <summary>How long a rival is given to be declared dead (it may be a hung silo on its way out) before this silo gives up.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(25);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var name = HostSiloName.For(daemon.HostId);
        var deadline = clock.GetUtcNow() + Patience;
        while (true)
        {
            var rival = membership.CurrentSnapshot.Members.Values.FirstOrDefault(m =>
                m.Status == SiloStatus.Active
                && m.Name == name
                && !m.SiloAddress.Endpoint.Equals(local.SiloAddress.Endpoint));
            if (rival is null)
            {
                return;
            }

            if (clock.GetUtcNow() >= deadline)
            {
                throw new InvalidSettingException(
                    $"Docker daemon {daemon.HostId} is already watched by live silo {rival.SiloAddress}; one silo per daemon: stop that one first.");
            }

            LogRivalSeen(daemon.HostId, rival.SiloAddress);
            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
            await membership.Refresh(default, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker daemon {HostId} is still declared by active silo {Rival}; waiting for it to be declared dead")]
    private partial void LogRivalSeen(string hostId, SiloAddress rival);
}
