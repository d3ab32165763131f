using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>
/// A silo that exists only as a membership row (joined and heartbeated through the product's
/// <see cref="MembershipTable"/>, so it is alive to every Api) whose endpoint hangs or answers garbage.
/// </summary>
public sealed class FakeSilo : IAsyncDisposable
{
    /// <summary>Host ids of fake silos start with this, so views can tell them from the real engines.</summary>
    public const string HostPrefix = "fake-";

    private readonly NpgsqlDataSource _dataSource;
    private readonly MembershipTable _table;
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;

    private FakeSilo(string name, FakeSiloBehavior behavior, string connectionString)
    {
        SiloId = "fake-silo-" + name;
        HostId = HostPrefix + name;
        Endpoint = new FakeSiloEndpoint(behavior);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _table = new MembershipTable(_dataSource, Options.Create(new MembershipOptions()), TimeProvider.System);
    }

    public string SiloId { get; }

    public string HostId { get; }

    public long Generation { get; private set; }

    public FakeSiloEndpoint Endpoint { get; }

    public static async Task<FakeSilo> JoinAsync(string name, FakeSiloBehavior behavior, string connectionString)
    {
        var silo = new FakeSilo(name, behavior, connectionString);
        silo.Generation = await silo._table.JoinAsync(
            new SiloRegistration(silo.SiloId, silo.HostId, silo.Endpoint.Url, "fake", "fake"), CancellationToken.None);
        silo._heartbeats = silo.HeartbeatAsync(silo._stopping.Token);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _heartbeats;
        try
        {
            await _table.LeaveAsync(SiloId, Generation, CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The lease expires on its own.
        }

        await Endpoint.DisposeAsync();
        await _dataSource.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(new MembershipOptions().HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await _table.HeartbeatAsync(SiloId, Generation, cancellationToken);
                }
                catch (NpgsqlException)
                {
                    // Like a real silo: an unreachable database is not a death.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
