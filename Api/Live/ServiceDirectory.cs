using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.Grains.Hosts;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// Groups containers across hosts into Compose and Swarm services and sums them: members come from the live frames,
/// plus the stored containers of hosts that have no live frame (so a service on a host the Api lost still says which
/// of its members it cannot see).
/// </summary>
internal sealed partial class ServiceDirectory(ILiveFeed feed, HostDirectory hosts, IMonitorStore store, ILogger<ServiceDirectory> logger)
{
    /// <summary>The label Docker puts on every task container of a Swarm service.</summary>
    public const string SwarmServiceLabel = "com.docker.swarm.service.name";

    private static readonly string[] Kinds = [ServiceKind.Compose, ServiceKind.Swarm];

    /// <summary>The container's service of the given kind (<c>project/service</c> for Compose), or null when it has none.</summary>
    public static string? ServiceName(ContainerInfo container, string kind)
    {
        ArgumentNullException.ThrowIfNull(container);
        return kind switch
        {
            ServiceKind.Compose when !string.IsNullOrEmpty(container.ComposeProject) && !string.IsNullOrEmpty(container.ComposeService) =>
                $"{container.ComposeProject}/{container.ComposeService}",
            ServiceKind.Swarm when container.Labels.TryGetValue(SwarmServiceLabel, out var name) && name.Length > 0 => name,
            _ => null,
        };
    }

    public async Task<IReadOnlyList<ServiceSummary>> ListAsync(string? kind, CancellationToken cancellationToken)
    {
        var view = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return [.. (kind is null ? Kinds : [kind])
            .SelectMany(k => view.Members
                .Select(m => (Name: ServiceName(m.Container, k), Member: m))
                .Where(m => m.Name is not null)
                .GroupBy(m => m.Name!, StringComparer.Ordinal)
                .Select(g => Summarize(k, g.Key, [.. g.Select(m => m.Member)], view.Hosts)))
            .OrderBy(s => s.Kind, StringComparer.Ordinal)
            .ThenBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>The service now; null when no container, live or stored (removed ones included), ever belonged to it.</summary>
    public async Task<ServiceDetail?> GetAsync(string kind, string name, CancellationToken cancellationToken)
    {
        var view = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var members = Members(view.Members, kind, name);
        if (members.Count == 0 && !view.Stored.Any(c => ServiceName(c, kind) == name))
        {
            return null;
        }

        return new ServiceDetail(Summarize(kind, name, members, view.Hosts), members);
    }

    /// <summary>Every container that belongs or belonged to the service (live, stored, removed), by id; empty when none.</summary>
    public async Task<IReadOnlyList<string>> ContainerIdsAsync(string kind, string name, CancellationToken cancellationToken)
    {
        var view = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return [.. view.Members.Select(m => m.Container)
            .Concat(view.Stored)
            .Where(c => ServiceName(c, kind) == name)
            .Select(c => c.Id)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    private static List<ServiceMember> Members(IEnumerable<ServiceMember> all, string kind, string name) =>
        [.. all.Where(m => ServiceName(m.Container, kind) == name)];

    private static ServiceSummary Summarize(string kind, string name, List<ServiceMember> members, IReadOnlyDictionary<string, HostState> hostStates)
    {
        // The same sums as a host's totals: every member with a sample, each network namespace once.
        var totals = HostTotalsCalculator.Sum(
            [.. members.Select(m => new ContainerLive(m.Container, m.Sample, m.NetworkNamespace))],
            id => members.FirstOrDefault(m => m.Container.Id == id)?.NetworkNamespace);
        var servingHosts = members
            .GroupBy(m => m.HostId, StringComparer.Ordinal)
            .Select(g => new ServiceHost(
                g.Key,
                g.First().HostName,
                g.First().HostStatus,
                hostStates.GetValueOrDefault(g.Key)?.Error,
                g.Count(m => m.Container.State == ContainerState.Running),
                g.Count()))
            .ToList();
        var missing = servingHosts.Where(h => h.Status != HostStatus.Up).Select(h => h.HostId).ToList();
        return new ServiceSummary(
            kind,
            name,
            members.Count(m => m.Container.State == ContainerState.Running),
            members.Count,
            totals.CpuPercent,
            totals.MemoryUsedBytes,
            totals.NetRxBytesPerSecond,
            totals.NetTxBytesPerSecond,
            totals.BlockReadBytesPerSecond,
            totals.BlockWriteBytesPerSecond,
            totals.Pids,
            members.Select(m => m.Container.Health).MaxBy(HealthRank),
            servingHosts,
            missing.Count > 0,
            missing);
    }

    /// <summary>Worst first: a service is as healthy as its sickest member.</summary>
    private static int HealthRank(string? health) => health switch
    {
        "unhealthy" => 3,
        "starting" => 2,
        "healthy" => 1,
        _ => 0,
    };

    /// <summary>One consistent read: the live frames once, then the stored hosts and containers the frames lack.</summary>
    private async Task<View> ReadAsync(CancellationToken cancellationToken)
    {
        var frames = feed.Latest;
        var members = frames
            .SelectMany(f => f.Containers.Select(c => new ServiceMember(f.HostId, f.Host?.Name, f.Status, c.Container, c.Sample, c.NetworkNamespace)))
            .ToList();
        var states = frames.ToDictionary(f => f.HostId, f => new HostState(f.Status, f.Error), StringComparer.Ordinal);

        var live = frames.Select(f => f.HostId).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<ContainerInfo> stored;
        try
        {
            stored = await store.GetContainersAsync(new ContainerQuery(), cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException ex)
        {
            // Live services do not depend on the database: during an outage they show without the hosts the Api lost.
            LogStoreUnavailable(ex.Message);
            return new View([.. Order(members)], [], states);
        }

        var gone = stored.Where(c => !c.Removed && !live.Contains(c.HostId)).ToList();
        if (gone.Count > 0)
        {
            // Hosts without a frame: the host directory says whether they are down or this Api cannot reach the cluster.
            var known = (await hosts.ListHostsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.HostId, StringComparer.Ordinal);
            foreach (var container in gone)
            {
                var host = known.GetValueOrDefault(container.HostId);
                var state = new HostState(host?.Status ?? HostStatus.Down, host?.Error);
                states.TryAdd(container.HostId, state);
                members.Add(new ServiceMember(container.HostId, host?.Host?.Name, state.Status, container, null, null));
            }
        }

        return new View([.. Order(members)], stored, states);
    }

    private static IEnumerable<ServiceMember> Order(IEnumerable<ServiceMember> members) => members
        .OrderBy(m => m.HostName ?? m.HostId, StringComparer.Ordinal)
        .ThenBy(m => m.HostId, StringComparer.Ordinal)
        .ThenBy(m => m.Container.Name, StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store is unavailable; services show live hosts only: {Reason}")]
    private partial void LogStoreUnavailable(string reason);

    private sealed record View(IReadOnlyList<ServiceMember> Members, IReadOnlyList<ContainerInfo> Stored, IReadOnlyDictionary<string, HostState> Hosts);

    private sealed record HostState(string Status, string? Error);
}
