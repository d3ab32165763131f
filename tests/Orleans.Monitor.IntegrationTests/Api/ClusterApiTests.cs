using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary><c>/api/cluster</c> of the standalone Api: the one co-hosted silo, as Orleans membership records it.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class ClusterApiTests(LiveApi live) : IDisposable
{
    private readonly HttpClient _client = live.App.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task GetCluster_Standalone_OneActiveSiloDeclaringTheEngine()
    {
        var cluster = await MonitorApp.GetJsonAsync<ClusterView>(_client, "/api/cluster");
        var hosts = await MonitorApp.GetJsonAsync<HostSummary[]>(_client, "/api/hosts");

        Assert.Equal("standalone", cluster.Mode);
        Assert.True(cluster.Connected);
        Assert.Null(cluster.Error);
        var silo = Assert.Single(cluster.Silos);
        Assert.Equal(live.HostId, silo.HostId);
        Assert.Equal("active", silo.Status);
        Assert.True(silo.Alive);
        Assert.True(silo.Generation > 0, $"generation {silo.Generation}");
        Assert.Equal($"127.0.0.1:{live.App.SiloPort}", silo.Endpoint);
        Assert.StartsWith($"S127.0.0.1:{live.App.SiloPort}:{silo.Generation}", silo.Silo, StringComparison.Ordinal);
        Assert.Equal(Environment.MachineName, silo.HostName);
        Assert.InRange(silo.StartTime, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow);
        Assert.InRange(silo.LastHeartbeat, silo.StartTime, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(live.HostId, Assert.Single(hosts).HostId);
    }
}
