using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Rules;

namespace Orleans.Monitor.Silo.Rules;

/// <summary>
/// Keeps every stored rule evaluating with no Api request: on every silo, every <see cref="RulesOptions.KeeperInterval"/>
/// and at once when membership changes (a silo joined or died), it reads the stored rules and pings their grains, so a
/// rule whose silo died is activated again on a live one within seconds of the death being known.
/// </summary>
public sealed partial class RuleKeeper(
    IRuleStore store,
    IGrainFactory grains,
    IClusterMembershipService membership,
    TimeProvider clock,
    IOptions<RulesOptions> options,
    ILogger<RuleKeeper> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watch = WatchMembershipAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await PingAllAsync(stoppingToken);
                try
                {
                    await _wake.WaitAsync(options.Value.KeeperInterval, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            await watch;
        }
    }

    private async Task WatchMembershipAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                if (_wake.CurrentCount == 0)
                {
                    _wake.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogMembershipWatchEnded(ex);
        }
    }

    private async Task PingAllAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<StoredRule> rules;
        try
        {
            rules = await store.GetRulesAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogReadFailed(ex.Message);
            return;
        }

        var timeout = options.Value.HostTimeout;
        await Task.WhenAll(rules.Select(async rule =>
        {
            try
            {
                await grains.GetGrain<IRuleGrain>(rule.Name).PingAsync().WaitAsync(timeout, clock, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPingFailed(rule.Name, ex.Message);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The rule keeper could not read the stored rules: {Error}")]
    private partial void LogReadFailed(string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rule {Rule} did not answer its keeper's ping: {Error}")]
    private partial void LogPingFailed(string rule, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The rule keeper stopped watching membership; it keeps its interval")]
    private partial void LogMembershipWatchEnded(Exception exception);
}
