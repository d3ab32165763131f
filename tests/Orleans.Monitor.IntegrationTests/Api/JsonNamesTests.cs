using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Api;

/// <summary>
/// The JSON property names of the public shapes, compared with exact lists (docs/live-api.md): camelCase, nothing
/// missing, nothing extra, in declaration order.
/// </summary>
[Collection(LiveApiCollection.Name)]
public sealed class JsonNamesTests(LiveApi live) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly string[] HostSummaryNames =
    [
        "host", "hostId", "status", "lastSeen", "error", "containersRunning", "containersTotal", "cpuPercent", "memoryUsedBytes",
        "netRxBytesPerSecond", "netTxBytesPerSecond", "blockReadBytesPerSecond", "blockWriteBytesPerSecond", "pids",
    ];

    private static readonly string[] HostInfoNames =
    [
        "hostId", "name", "cpus", "memoryTotalBytes", "operatingSystem", "kernelVersion", "dockerVersion", "apiVersion",
        "cgroupVersion", "cgroupDriver", "statsSource", "swarmNodeId", "swarmManager", "swarmControlAvailable", "swarmClusterId",
    ];

    private static readonly string[] ContainerLiveNames = ["container", "sample", "networkNamespace"];

    private static readonly string[] ContainerInfoNames =
    [
        "id", "hostId", "name", "image", "labels", "composeProject", "composeService", "state", "health", "created",
        "startedAt", "finishedAt", "exitCode", "oomKilled", "removed", "restartCount", "lastExitCode", "cpuLimitCores",
        "memoryLimitBytes", "cpuSet",
    ];

    private static readonly string[] ContainerSampleNames =
    [
        "timestamp", "cpuPercent", "cpuUserPercent", "cpuKernelPercent", "memoryUsedBytes", "memoryLimitBytes",
        "memoryPercent", "memoryLimited", "netRxBytes", "netTxBytes", "netRxBytesPerSecond", "netTxBytesPerSecond",
        "blockReadBytes", "blockWriteBytes", "blockReadBytesPerSecond", "blockWriteBytesPerSecond", "pids", "pidsLimit",
        "throttledPeriodsRatio", "throttledTimeNanoseconds",
    ];

    private static readonly string[] ServiceSummaryNames =
    [
        "kind", "name", "containersRunning", "containersTotal", "cpuPercent", "memoryUsedBytes", "netRxBytesPerSecond",
        "netTxBytesPerSecond", "blockReadBytesPerSecond", "blockWriteBytesPerSecond", "pids", "health", "hosts", "incomplete",
        "missingHosts",
    ];

    private static readonly string[] ServiceHostNames = ["hostId", "name", "status", "error", "containersRunning", "containersTotal"];

    private static readonly string[] ServiceDetailNames = ["service", "members"];

    private static readonly string[] ServiceMemberNames = ["hostId", "hostName", "hostStatus", "container", "sample", "networkNamespace"];

    private static readonly string[] ServiceHistoryNames = ["kind", "name", "from", "to", "step", "containers", "points", "scaling", "resolution"];

    private static readonly string[] HostHistoryPointNames =
    [
        "minute", "containers", "cpuPercentAvg", "cpuPercentMax", "memoryUsedBytesAvg", "memoryUsedBytesMax", "netRxBytes",
        "netTxBytes", "blockReadBytes", "blockWriteBytes", "cpuTimeNanoseconds",
    ];

    private static readonly string[] ClusterNames = ["mode", "connected", "error", "silos"];

    private static readonly string[] SiloNames =
        ["silo", "generation", "hostId", "status", "alive", "startTime", "lastHeartbeat", "endpoint", "hostName"];

    private static readonly string[] HostFrameNames =
        ["sequence", "timestamp", "host", "hostId", "status", "lastSeen", "error", "containers", "snapshot", "totals"];

    private static readonly string[] HostTotalsNames =
    [
        "cpuPercent", "memoryUsedBytes", "netRxBytesPerSecond", "netTxBytesPerSecond", "blockReadBytesPerSecond",
        "blockWriteBytesPerSecond", "pids",
    ];

    private readonly HttpClient _client = live.App.CreateApiClient();
    private readonly TestContainers _containers = new(live.Engine);
    private readonly string _project = LiveApi.UniqueName("json");
    private string _id = "";

    public async Task InitializeAsync()
    {
        _id = await _containers.RunAsync(
            ["--name", LiveApi.UniqueName("json"), "--label", "com.docker.compose.project=" + _project, "--label", "com.docker.compose.service=web"],
            "sleep",
            "600");
        await Eventually.GetJsonAsync<JsonElement>(
            _client,
            "/api/containers/" + _id,
            c => c.GetProperty("sample").ValueKind == JsonValueKind.Object,
            Deadline,
            "a sample of the container",
            HttpStatusCode.NotFound);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _containers.RemoveAllAsync();
    }

    [Fact]
    public async Task GetHosts_Json_ExactCamelCaseNames()
    {
        var hosts = await GetAsync("/api/hosts");

        var host = Assert.Single(hosts.AsArray())!.AsObject();
        Assert.Equal(HostSummaryNames, Names(host));
        Assert.Equal(HostInfoNames, Names(host["host"]!.AsObject()));
    }

    [Fact]
    public async Task GetContainers_Json_ExactCamelCaseNames()
    {
        var list = await GetAsync("/api/containers");
        var one = await GetAsync("/api/containers/" + _id);

        var listed = list.AsArray().Single(c => c!["container"]!["id"]!.GetValue<string>() == _id)!.AsObject();
        foreach (var container in new[] { listed, one.AsObject() })
        {
            Assert.Equal(ContainerLiveNames, Names(container));
            Assert.Equal(ContainerInfoNames, Names(container["container"]!.AsObject()));
            Assert.Equal(ContainerSampleNames, Names(container["sample"]!.AsObject()));
        }
    }

    [Fact]
    public async Task GetServices_Json_ExactCamelCaseNames()
    {
        var list = await GetAsync("/api/services?kind=compose");
        var one = (await GetAsync($"/api/services/compose/{_project}/web")).AsObject();
        var history = (await GetAsync($"/api/services/compose/{_project}/web/history?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-30).ToString("O"))}")).AsObject();

        var listed = list.AsArray().Single(s => s!["name"]!.GetValue<string>() == _project + "/web")!.AsObject();
        Assert.Equal(ServiceSummaryNames, Names(listed));
        Assert.Equal(ServiceDetailNames, Names(one));
        Assert.Equal(ServiceSummaryNames, Names(one["service"]!.AsObject()));
        Assert.Equal(ServiceHostNames, Names(Assert.Single(one["service"]!["hosts"]!.AsArray())!.AsObject()));
        var member = Assert.Single(one["members"]!.AsArray())!.AsObject();
        Assert.Equal(ServiceMemberNames, Names(member));
        Assert.Equal(ContainerInfoNames, Names(member["container"]!.AsObject()));
        Assert.Equal(ContainerSampleNames, Names(member["sample"]!.AsObject()));
        Assert.Equal(ServiceHistoryNames, Names(history));
        foreach (var point in history["points"]!.AsArray())
        {
            Assert.Equal(HostHistoryPointNames, Names(point!.AsObject()));
        }
    }

    [Fact]
    public async Task GetCluster_Json_ExactCamelCaseNames()
    {
        var cluster = (await GetAsync("/api/cluster")).AsObject();

        Assert.Equal(ClusterNames, Names(cluster));
        Assert.Equal(SiloNames, Names(Assert.Single(cluster["silos"]!.AsArray())!.AsObject()));
    }

    [Fact]
    public async Task WatchAll_Frame_ExactCamelCaseNames()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        await using var hub = await HubClient.ConnectAsync(live.App.ServerAddress!, timeout.Token);
        var stream = await hub.StreamAsync("WatchAll", [], timeout.Token);

        var frame = await hub.NextItemAsync(stream, timeout.Token);

        Assert.Equal(HostFrameNames, Names(frame));
        Assert.Equal(HostInfoNames, Names(frame["host"]!.AsObject()));
        Assert.Equal(HostTotalsNames, Names(frame["totals"]!.AsObject()));
        var mine = frame["containers"]!.AsArray().Single(c => c!["container"]!["id"]!.GetValue<string>() == _id)!.AsObject();
        Assert.Equal(ContainerLiveNames, Names(mine));
        Assert.Equal(ContainerInfoNames, Names(mine["container"]!.AsObject()));
        Assert.Equal(ContainerSampleNames, Names(mine["sample"]!.AsObject()));
    }

    private static string[] Names(JsonObject json) => [.. json.Select(p => p.Key)];

    private async Task<JsonNode> GetAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }
}
