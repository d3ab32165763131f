using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Contracts.Scaling;
using Orleans.Monitor.Grains.Scaling;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Grains.Scaling;

/// <summary>The autoscaler against a real two-node Swarm, a silo on each node, called as a rule calls it.</summary>
[Collection(SwarmCollection.Name)]
public sealed class ServiceScalerGrainSwarmTests(SwarmCluster swarm, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly string[] ExpectedRecord = ["scaled 3->1", "blocked-max 3->3", "blocked-cooldown 3->3", "scaled 1->3"];
    private static readonly string[] WaitingOutcomes = [ScalingPolicy.BlockedCooldown, ScalingPolicy.BlockedMax];
    private static readonly ScaleLimits Limits = new(Min: 1, Max: 3, Step: 2, Cooldown: TimeSpan.FromSeconds(20));

    [Fact]
    public async Task RequestAsync_UpToMaxThenDownAfterCooldown_ScalesTheServiceAcrossBothNodes()
    {
        var service = await swarm.CreateServiceAsync("burn", 1, "sh", "-c", "while :; do :; done");
        var scaler = swarm.Grains.GetGrain<IServiceScalerGrain>(service);
        var started = DateTimeOffset.UtcNow;

        var up = await scaler.RequestAsync(Request(service, ScaleDirection.Up, 95));
        Assert.Equal((ScalingPolicy.Scaled, 1, 3), (up.Outcome, up.From, up.To));
        Assert.Equal(3, (await swarm.InspectServiceAsync(service)).Replicas);

        // Asked again at once, as the next evaluation would: the cooldown holds it, and Docker sees no update.
        var version = (await swarm.InspectServiceAsync(service)).Version;
        var again = await scaler.RequestAsync(Request(service, ScaleDirection.Up, 96));
        Assert.Equal((ScalingPolicy.BlockedCooldown, 3, 3), (again.Outcome, again.From, again.To));
        Assert.Equal(version, (await swarm.InspectServiceAsync(service)).Version);

        // The tasks run on both nodes, and each node's host grain has them.
        JsonElement detail = default;
        await Poll.UntilAsync(
            async () =>
            {
                // 404 until a task container of the service has been seen on some host: not yet.
                using var response = await swarm.Api.GetAsync(new Uri($"/api/services/swarm/{service}", UriKind.Relative));
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    return false;
                }

                detail = await swarm.GetAsync<JsonElement>($"/api/services/swarm/{service}");
                var running = detail.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("container").GetProperty("state").GetString() == "running")
                    .Select(m => m.GetProperty("hostId").GetString())
                    .ToList();
                return running.Count == 3 && swarm.HostIds.All(running.Contains);
            },
            Deadline,
            "three running tasks of the service on both hosts in GET /api/services/swarm/burn",
            () => detail.ValueKind == JsonValueKind.Undefined ? "-" : detail.ToString());
        output.WriteLine($"scaled up and all tasks seen after {DateTimeOffset.UtcNow - started}");

        // Every evaluation asks again while the condition holds; once the cooldown is over the bound blocks it.
        ScalingDecision last = again;
        await Poll.UntilAsync(
            async () =>
            {
                last = await scaler.RequestAsync(Request(service, ScaleDirection.Up, 97));
                Assert.Contains(last.Outcome, WaitingOutcomes);
                return last.Outcome == ScalingPolicy.BlockedMax;
            },
            Deadline,
            "the cooldown to end and max to block",
            () => last.ToString());
        Assert.Equal((3, 3), (last.From, last.To));

        var down = await scaler.RequestAsync(Request(service, ScaleDirection.Down, 2));
        Assert.Equal((ScalingPolicy.Scaled, 3, 1), (down.Outcome, down.From, down.To));
        Assert.Equal(1, (await swarm.InspectServiceAsync(service)).Replicas);

        // Recorded newest first, each unchanged blocked outcome once however often it was asked.
        var recorded = await swarm.GetAsync<JsonElement[]>($"/api/scaling?service={service}");
        Assert.Equal(
            ExpectedRecord,
            recorded.Select(d => $"{d.GetProperty("outcome").GetString()} {d.GetProperty("from").GetInt32()}->{d.GetProperty("to").GetInt32()}"));
        Assert.Equal("cpu-hot", recorded[0].GetProperty("rule").GetString());
        Assert.Equal(2, recorded[0].GetProperty("value").GetDouble());
        Assert.True(recorded[0].GetProperty("time").GetDateTimeOffset() >= recorded[1].GetProperty("time").GetDateTimeOffset());

        var history = await swarm.GetAsync<JsonElement>($"/api/services/swarm/{service}/history?from={Uri.EscapeDataString(started.AddMinutes(-1).ToString("O"))}");
        Assert.Equal(4, history.GetProperty("scaling").GetArrayLength());
    }

    [Fact]
    public async Task RequestAsync_AutoscaleDisabled_SendsNoUpdate()
    {
        var service = await swarm.CreateServiceAsync("idle", 1, "sleep", "100000");
        var before = await swarm.InspectServiceAsync(service);

        // A standalone monitor on the manager's engine, with the default settings: Autoscale:Enabled is false.
        await using var app = new MonitorApp(swarm.Manager.DockerHost, kestrel: false);
        await app.StartAsync();
        var grains = await app.Services.GetRequiredService<ClusterConnection>().Connected;
        var scaler = grains.GetGrain<IServiceScalerGrain>(service);

        ScalingDecision decision = null!;
        await Poll.UntilAsync(
            async () =>
            {
                // Until the co-hosted silo's host grain has the daemon's facts, the replicas are not known yet (0).
                decision = await scaler.RequestAsync(Request(service, ScaleDirection.Up, 99));
                Assert.Equal(ScalingPolicy.Disabled, decision.Outcome);
                return decision.From == 1;
            },
            Deadline,
            "a disabled decision that read the replicas",
            () => decision?.ToString());

        Assert.Equal((1, 1), (decision.From, decision.To));
        var after = await swarm.InspectServiceAsync(service);
        Assert.Equal(before, after);

        using var client = app.CreateApiClient();
        var recorded = await MonitorApp.GetJsonAsync<JsonElement[]>(client, $"/api/scaling?service={service}");
        Assert.Contains(recorded, d => d.GetProperty("outcome").GetString() == ScalingPolicy.Disabled);
        Assert.All(recorded, d => Assert.Equal(ScalingPolicy.Disabled, d.GetProperty("outcome").GetString()));
    }

    private static ScaleRequest Request(string service, ScaleDirection direction, double value) =>
        new(service, direction, Limits, "cpu-hot", value, DateTimeOffset.UtcNow);
}
