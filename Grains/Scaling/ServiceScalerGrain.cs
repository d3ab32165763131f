using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Placement;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Grains.Scaling;

/// <summary>
/// The autoscaler of one Swarm service (key: the service name), on any silo. Decides with <see cref="ScalingDecider"/>,
/// sends the replica update through the <see cref="ISwarmServiceGrain"/> of a host whose daemon is a Swarm manager
/// (found from the hosts' <see cref="HostInfo.SwarmManager"/>), and records decisions in <see cref="IScalingStore"/>.
/// </summary>
public sealed partial class ServiceScalerGrain(
    IClusterMembershipService membership,
    IOptions<AutoscaleOptions> options,
    TimeProvider clock,
    ILogger<ServiceScalerGrain> logger) : Grain, IServiceScalerGrain
{
    /// <summary>How far back activation looks for the last applied change and the last recorded outcome.</summary>
    private static readonly TimeSpan RestoreWindow = TimeSpan.FromDays(1);

    private readonly ScalingDecider _decider = new(clock);
    private IScalingStore? _store;
    private string? _managerHostId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _store = ServiceProvider.GetService<IScalingStore>();
        if (_store is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        try
        {
            var recent = await _store.GetScalingDecisionsAsync(this.GetPrimaryKeyString(), new TimeRange(now - RestoreWindow, now + TimeSpan.FromSeconds(1)), 100, cancellationToken);
            _decider.Restore(recent);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without history the cooldown starts afresh; the store being away must not stop scaling decisions.
            LogRestoreFailed(this.GetPrimaryKeyString(), ex.Message);
        }
    }

    public async Task<ScalingDecision> RequestAsync(ScaleRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var service = this.GetPrimaryKeyString();
        if (request.Service != service)
        {
            throw new ArgumentException($"this autoscaler is for Swarm service '{service}', not '{request.Service}'", nameof(request));
        }

        var (decision, record) = await _decider.DecideAsync(request, options.Value.Enabled, FindManagerAsync);
        LogDecision(service, decision.Outcome, decision.From, decision.To, decision.Rule, decision.Detail);
        if (record && _store is not null)
        {
            try
            {
                await _store.WriteScalingDecisionAsync(decision, CancellationToken.None);
                _decider.Recorded(decision);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecordFailed(service, decision.Outcome, ex.Message);
            }
        }

        return decision;
    }

    /// <summary>The manager last used when its silo is still active, else the first active host whose daemon says it is a manager.</summary>
    private async Task<ISwarmServiceOperations> FindManagerAsync()
    {
        var hosts = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => HostSiloName.HostIdOf(m.Name))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (_managerHostId is not null && hosts.Contains(_managerHostId))
        {
            return new ManagerOperations(GrainFactory.GetGrain<ISwarmServiceGrain>(_managerHostId));
        }

        _managerHostId = null;
        var reasons = new List<string>();
        foreach (var hostId in hosts)
        {
            try
            {
                var frame = await GrainFactory.GetGrain<IHostGrain>(hostId).GetFrameAsync();
                if (frame.Host is { SwarmManager: true })
                {
                    _managerHostId = hostId;
                    return new ManagerOperations(GrainFactory.GetGrain<ISwarmServiceGrain>(hostId));
                }

                reasons.Add(frame.Host is null ? $"{hostId}: not reached yet" : $"{hostId}: {(frame.Host.SwarmNodeId is null ? "in no swarm" : "a worker")}");
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                reasons.Add($"{hostId}: {ex.Message}");
            }
        }

        throw new SwarmServiceException(
            $"no Swarm manager host is up ({hosts.Count} hosts checked{(reasons.Count > 0 ? ": " + string.Join("; ", reasons) : string.Empty)})");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaling {Service}: {Outcome} {From} -> {To} (rule {Rule}) {Detail}")]
    private partial void LogDecision(string service, string outcome, int from, int to, string rule, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scaling decision of {Service} ({Outcome}) not recorded: {Reason}")]
    private partial void LogRecordFailed(string service, string outcome, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scaling history of {Service} not read (cooldown starts afresh): {Reason}")]
    private partial void LogRestoreFailed(string service, string reason);

    private sealed class ManagerOperations(ISwarmServiceGrain grain) : ISwarmServiceOperations
    {
        public async Task<int> ReplicasAsync(string service) => (await grain.InspectAsync(service)).Replicas;

        public Task<SwarmScaleResult> ScaleAsync(string service, ScaleDirection direction, ScaleLimits limits) =>
            grain.ScaleAsync(service, direction, limits);
    }
}
