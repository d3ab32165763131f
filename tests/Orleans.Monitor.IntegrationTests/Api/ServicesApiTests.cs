using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Rest;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// <c>/api/services</c> against containers labelled as Compose and Swarm services on a real engine. The Swarm grouping
/// reads only the task label (<c>com.docker.swarm.service.name</c>), so labelled plain containers stand for the tasks of
/// a real Swarm service here; the cluster tests check members on two engines.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class ServicesApiTests(LiveApi live, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);
    private readonly string _project = LiveApi.UniqueName("shop");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task GetService_ComposeMembersOneUnhealthyOneExited_SumsCountsAndWorstHealthFromMembers()
    {
        var busy = await RunComposeAsync("web", ["--cpus", "0.2"], "sh", "-c", "while :; do :; done");
        var idle = await RunComposeAsync("web", [], "sleep", "600");
        var sick = await RunComposeAsync("web", ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1"], "sleep", "600");
        var exited = await RunComposeAsync("web", [], "sh", "-c", "exit 3");
        var other = await RunComposeAsync("db", [], "sleep", "600");
        var running = new[] { busy, idle, sick };

        var detail = await Eventually.GetJsonAsync<ServiceDetail>(
            _client,
            $"/api/services/compose/{_project}/web",
            d => d.Members.Count == 4
                && d.Members.Where(m => running.Contains(m.Container.Id)).All(m => m.Sample is not null)
                && d.Members.Any(m => m.Container.Id == exited && m.Container.State == ContainerState.Exited)
                && d.Service.Health == "unhealthy",
            Deadline,
            "four members, the running ones sampled, one exited and one unhealthy",
            HttpStatusCode.NotFound);

        var service = detail.Service;
        var samples = detail.Members.Select(m => m.Sample).OfType<ContainerSample>().ToList();
        output.WriteLine(FormattableString.Invariant($"cpu {service.CpuPercent:0.00} % over {samples.Count} samples, memory {service.MemoryUsedBytes} B"));
        Assert.Equal(new[] { busy, exited, idle, sick }.Order(StringComparer.Ordinal), detail.Members.Select(m => m.Container.Id).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(detail.Members, m => m.Container.Id == other);
        Assert.Equal((ServiceKind.Compose, $"{_project}/web"), (service.Kind, service.Name));
        Assert.Equal((3, 4), (service.ContainersRunning, service.ContainersTotal));
        Assert.Equal(samples.Sum(s => s.CpuPercent), service.CpuPercent, 6);
        Assert.True(service.CpuPercent > 1, $"a busy member runs, yet the service uses {service.CpuPercent} %");
        Assert.Equal(samples.Sum(s => s.MemoryUsedBytes), service.MemoryUsedBytes);
        Assert.Equal(samples.Sum(s => s.Pids), service.Pids);
        Assert.Equal(samples.Sum(s => s.BlockReadBytesPerSecond), service.BlockReadBytesPerSecond, 6);
        Assert.Equal(samples.Sum(s => s.BlockWriteBytesPerSecond), service.BlockWriteBytesPerSecond, 6);
        // --network none: Docker measures no network, which is not zero traffic.
        Assert.Null(service.NetRxBytesPerSecond);
        Assert.Null(service.NetTxBytesPerSecond);
        var host = Assert.Single(service.Hosts);
        Assert.Equal((live.HostId, HostStatus.Up, 3, 4), (host.HostId, host.Status, host.ContainersRunning, host.ContainersTotal));
        Assert.False(service.Incomplete);
        Assert.Empty(service.MissingHosts);
        Assert.All(detail.Members, m => Assert.Equal((live.HostId, HostStatus.Up), (m.HostId, m.HostStatus)));

        // The encoded slash names the same service; the list holds it with the kind's other services.
        var encoded = await MonitorApp.GetJsonAsync<ServiceDetail>(_client, $"/api/services/compose/{_project}%2Fweb");
        var listed = await MonitorApp.GetJsonAsync<ServiceSummary[]>(_client, "/api/services?kind=compose");
        var all = await MonitorApp.GetJsonAsync<ServiceSummary[]>(_client, "/api/services");
        Assert.Equal(detail.Members.Select(m => m.Container.Id), encoded.Members.Select(m => m.Container.Id));
        var web = Assert.Single(listed, s => s.Name == $"{_project}/web");
        Assert.Equal((3, 4, "unhealthy"), (web.ContainersRunning, web.ContainersTotal, web.Health));
        var db = Assert.Single(listed, s => s.Name == $"{_project}/db");
        Assert.Equal((1, 1, null), (db.ContainersRunning, db.ContainersTotal, db.Health));
        Assert.All(listed, s => Assert.Equal(ServiceKind.Compose, s.Kind));
        Assert.Contains(all, s => s.Kind == ServiceKind.Compose && s.Name == $"{_project}/db");
    }

    [Fact]
    public async Task GetService_SwarmTaskLabels_GroupedByServiceNameAndHealthyBeforeNone()
    {
        var name = LiveApi.UniqueName("svc");
        var healthy = await _containers.RunAsync(SwarmLabels(name, 1, ["--health-cmd", "true", "--health-interval", "1s"]), "sleep", "600");
        var plain = await _containers.RunAsync(SwarmLabels(name, 2, []), "sleep", "600");
        await _containers.RunAsync(SwarmLabels(name + "-other", 1, []), "sleep", "600");

        var detail = await Eventually.GetJsonAsync<ServiceDetail>(
            _client,
            "/api/services/swarm/" + name,
            d => d.Members.Count == 2 && d.Service.Health == "healthy",
            Deadline,
            "both tasks, one healthy",
            HttpStatusCode.NotFound);
        var swarm = await MonitorApp.GetJsonAsync<ServiceSummary[]>(_client, "/api/services?kind=swarm");

        Assert.Equal(new[] { healthy, plain }.Order(StringComparer.Ordinal), detail.Members.Select(m => m.Container.Id).Order(StringComparer.Ordinal));
        Assert.Equal((ServiceKind.Swarm, name, 2, 2), (detail.Service.Kind, detail.Service.Name, detail.Service.ContainersRunning, detail.Service.ContainersTotal));
        Assert.Contains(swarm, s => s.Name == name && s.ContainersTotal == 2);
        Assert.Contains(swarm, s => s.Name == name + "-other" && s.ContainersTotal == 1);
        Assert.All(swarm, s => Assert.Equal(ServiceKind.Swarm, s.Kind));
    }

    [Fact]
    [Trait(Lane.Name, Lane.Alongside)]
    public async Task GetServiceHistory_TwoMembersWithMinuteRows_EachStepSumsTheMembersRows()
    {
        var first = await RunComposeAsync("api", [], "sleep", "600");
        var second = await RunComposeAsync("api", [], "sh", "-c", "while :; do dd if=/dev/zero of=/tmp/f bs=64k count=16 2>/dev/null; sleep 1; done");
        var store = live.App.Services.GetRequiredService<IMonitorStore>();
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var range = new TimeRange(from, DateTimeOffset.UtcNow.AddMinutes(5));

        // The first whole minute of both members closes within two minutes of their start.
        var stored = await Eventually.MatchAsync(
            async () => (await store.GetContainerHistoryAsync(first, range, CancellationToken.None))
                .Concat(await store.GetContainerHistoryAsync(second, range, CancellationToken.None))
                .ToList(),
            r => r.GroupBy(m => m.Minute).Any(g => g.Count() == 2),
            TimeSpan.FromSeconds(150),
            "a minute row of each member for the same minute");

        // Each container's minutes are written in order: up to the newest minute both have, every row is in.
        var to = stored.GroupBy(r => r.Minute).Where(g => g.Count() == 2).Max(g => g.Key).AddMinutes(1);
        var rows = stored.Where(r => r.Minute < to).ToList();
        var query = $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";

        var history = await MonitorApp.GetJsonAsync<ServiceHistory>(_client, $"/api/services/compose/{_project}/api/history?{query}&step=1m");
        var hourly = await MonitorApp.GetJsonAsync<ServiceHistory>(_client, $"/api/services/compose/{_project}%2Fapi/history?{query}&step=1h");

        output.WriteLine(string.Join('\n', rows.OrderBy(r => r.Minute).Select(r => FormattableString.Invariant($"{r.ContainerId[..12]} {r.Minute:HH:mm} cpu {r.CpuPercentAvg:0.000} mem {r.MemoryUsedBytesAvg} write {r.BlockWriteBytes}"))));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), history.Containers);
        Assert.Equal((ServiceKind.Compose, $"{_project}/api", "1m"), (history.Kind, history.Name, history.Step));
        Assert.Equal(rows.Select(r => r.Minute).Distinct().Order(), history.Points.Select(p => p.Minute));
        foreach (var point in history.Points)
        {
            var minute = rows.Where(r => r.Minute == point.Minute).ToList();
            Assert.Equal(minute.Count, point.Containers);
            Assert.Equal(minute.Sum(r => r.CpuPercentAvg), point.CpuPercentAvg, 6);
            Assert.Equal(minute.Sum(r => r.MemoryUsedBytesAvg), point.MemoryUsedBytesAvg);
            Assert.Equal(minute.Sum(r => r.BlockWriteBytes), point.BlockWriteBytes);
            Assert.Equal(minute.Sum(r => r.CpuTimeNanoseconds), point.CpuTimeNanoseconds);
            Assert.Null(point.NetRxBytes);
        }

        Assert.True(history.Points.Sum(p => p.BlockWriteBytes) > 0, "the dd member wrote nothing");
        Assert.Equal(rows.Sum(r => r.BlockWriteBytes), hourly.Points.Sum(p => p.BlockWriteBytes));
        Assert.Equal(rows.Sum(r => r.CpuTimeNanoseconds), hourly.Points.Sum(p => p.CpuTimeNanoseconds));
    }

    private Task<string> RunComposeAsync(string service, IReadOnlyList<string> options, params string[] command) =>
        _containers.RunAsync(
            [
                "--name", $"{_project}-{service}-{Guid.NewGuid().ToString("N")[..6]}",
                "--label", "com.docker.compose.project=" + _project,
                "--label", "com.docker.compose.service=" + service,
                .. options,
            ],
            command);

    private static string[] SwarmLabels(string service, int slot, IReadOnlyList<string> options) =>
    [
        "--name", $"{service}.{slot}.{Guid.NewGuid().ToString("N")[..10]}",
        "--label", "com.docker.swarm.service.name=" + service,
        "--label", "com.docker.swarm.task.slot=" + slot.ToString(System.Globalization.CultureInfo.InvariantCulture),
        .. options,
    ];
}

/// <summary>
/// A service with members on a host this Api has no frame of (it cannot reach the cluster: no Docker daemon answers its
/// co-hosted silo): the aggregate says it is incomplete and names the host, rather than summing what it sees.
/// </summary>
public sealed class ServicesMissingHostTests(BadInputTests.NoEngineApp fixture) : IClassFixture<BadInputTests.NoEngineApp>
{
    private const string GoneHost = "GONE:HOST:0001";

    [Fact]
    public async Task GetService_MemberOnHostWithoutFrame_IncompleteNamingTheHost()
    {
        var project = LiveApi.UniqueName("shop");
        var store = fixture.App.Services.GetRequiredService<IMonitorStore>();
        await store.UpsertHostAsync(
            new HostInfo(GoneHost, "gone", 2, 1L << 30, "Debian", "6.1", "20.10", "1.41", "1", "cgroupfs", "cgroup"),
            DateTimeOffset.UtcNow.AddMinutes(-1),
            CancellationToken.None);
        await store.UpsertContainersAsync(
            [
                Stored(new string('a', 64), project, "web", ContainerState.Running, removed: false),
                Stored(new string('b', 64), project, "web", ContainerState.Removed, removed: true),
                Stored(new string('c', 64), project, "old", ContainerState.Removed, removed: true),
            ],
            CancellationToken.None);
        using var client = fixture.App.CreateApiClient();

        var web = await MonitorApp.GetJsonAsync<ServiceDetail>(client, $"/api/services/compose/{project}/web");
        var old = await MonitorApp.GetJsonAsync<ServiceDetail>(client, $"/api/services/compose/{project}/old");
        var history = await MonitorApp.GetJsonAsync<ServiceHistory>(client, $"/api/services/compose/{project}/web/history");

        var member = Assert.Single(web.Members);
        Assert.Equal((new string('a', 64), GoneHost, HostStatus.Unreachable), (member.Container.Id, member.HostId, member.HostStatus));
        Assert.Null(member.Sample);
        Assert.True(web.Service.Incomplete);
        Assert.Equal([GoneHost], web.Service.MissingHosts);
        var host = Assert.Single(web.Service.Hosts);
        Assert.Equal(("gone", HostStatus.Unreachable), (host.Name, host.Status));
        Assert.Contains("does not reach the cluster", host.Error, StringComparison.Ordinal);
        Assert.Equal((1, 1, 0.0, 0L), (web.Service.ContainersRunning, web.Service.ContainersTotal, web.Service.CpuPercent, web.Service.MemoryUsedBytes));

        // Only removed containers: known, with no members now, and complete.
        Assert.Empty(old.Members);
        Assert.Equal((0, false), (old.Service.ContainersTotal, old.Service.Incomplete));

        // History reads every container the service had, removed ones included.
        Assert.Equal([new string('a', 64), new string('b', 64)], history.Containers);
        Assert.Empty(history.Points);
    }

    private static ContainerInfo Stored(string id, string project, string service, string state, bool removed) => new(
        id, GoneHost, $"{project}-{service}-{id[..4]}", DockerEngine.BusyboxImage,
        new Dictionary<string, string> { ["com.docker.compose.project"] = project, ["com.docker.compose.service"] = service },
        project, service, state, null, DateTimeOffset.UtcNow.AddHours(-1), null, null, null, false, removed);
}
