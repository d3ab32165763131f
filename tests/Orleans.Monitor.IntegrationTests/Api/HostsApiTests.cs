using System.Globalization;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary><c>/api/hosts</c> against the Api watching a real dockerd: host totals must add up what Docker reports.</summary>
[Collection(LiveApiCollection.Name)]
public sealed class HostsApiTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task ListHosts_PausedContainer_TotalsKeepItsMemory()
    {
        // The example: pausing one container dropped the host's memory total from 80 MB to 67 MB.
        const string Fill = "dd if=/dev/zero of=/dev/shm/x bs=1M count=12 2>/dev/null; sleep 100000";
        var running = await _containers.RunAsync(["--name", LiveApi.UniqueName("total-run")], "sh", "-c", Fill);
        var paused = await _containers.RunAsync(["--name", LiveApi.UniqueName("total-pause")], "sh", "-c", Fill);
        await WaitForContainerAsync(paused, c => c.Sample?.MemoryUsedBytes >= 12 << 20, "the memory of the container to pause");
        await live.Engine.RunAsync("pause", paused);
        await WaitForContainerAsync(paused, c => c.Container.State == ContainerState.Paused && c.Sample is not null, "the paused container with a sample");

        HostSummary? host = null;
        long sum = 0;
        await Poll.UntilAsync(
            async () =>
            {
                // Two reads of a feed that moves every second: the same frame once both give the same total.
                var containers = await MonitorApp.GetJsonAsync<ContainerLive[]>(_client, "/api/containers?host=" + live.HostId);
                host = await MonitorApp.GetJsonAsync<HostSummary>(_client, "/api/hosts/" + live.HostId);
                sum = containers.Sum(c => c.Sample?.MemoryUsedBytes ?? 0);
                return host.MemoryUsedBytes == sum;
            },
            Deadline,
            "the host's memory total to equal its containers' sum",
            () => FormattableString.Invariant($"host {host?.MemoryUsedBytes}, containers {sum}"));
        var docker = await live.Engine.RunAsync("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", running, paused);
        output.WriteLine(FormattableString.Invariant($"host total {host!.MemoryUsedBytes} B over {host.ContainersTotal} containers; docker stats:\n{docker.Trim()}"));

        Assert.True(host.MemoryUsedBytes >= 24 << 20, host.MemoryUsedBytes.ToString(CultureInfo.InvariantCulture));
        Assert.True(host.Pids >= 2);
        // Both containers run --network none: nothing measured, so no network total rather than 0.
        Assert.Null(host.NetRxBytesPerSecond);
        await live.Engine.RunAsync("unpause", paused);
    }

    private async Task<ContainerLive> WaitForContainerAsync(string id, Func<ContainerLive, bool> condition, string what) =>
        await Eventually.GetJsonAsync<ContainerLive>(_client, "/api/containers/" + id, condition, Deadline, what, System.Net.HttpStatusCode.NotFound);
}
