using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.Monitor.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Rules;

/// <summary>
/// A scaling rule end to end on a real two-node Swarm (a silo on each node, one Api), driven and checked only through
/// the Api's REST and the Engine API: a service's tasks burn CPU until the test tells them to stop; the rule scales the
/// service up to max across both nodes, sees every task, fires and resolves its alert, and scales back to min after
/// the load stops. Shares the swarm with the autoscaler's own tests, so the cluster starts once.
/// </summary>
[Collection(SwarmCollection.Name)]
public sealed class RuleAutoscaleSwarmTests(SwarmCluster swarm, ITestOutputHelper output)
{
    private const int Min = 1;
    private const int Max = 3;
    private const string StopFile = "/stop";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(20);
    private static readonly string[] Steps = ["1->2", "2->3", "3->2", "2->1"];

    [Fact]
    public async Task Rule_SwarmServiceUnderLoad_ScalesUpAcrossBothNodesThenDownToMinAfterTheLoadStops()
    {
        var service = "hot-" + Guid.NewGuid().ToString("N")[..6];
        var rule = "autoscale-" + service;

        // Each task burns its tenth of a core (SwarmCluster's CPU limit: cpuPercent about 10) until the file appears
        // in its container; tasks a scale-up starts burn too. The test ends the load of every task at once by exec.
        await swarm.CreateServiceAsync(service, Min, "sh", "-c", $"while [ ! -e {StopFile} ]; do :; done; exec sleep 86400");
        await PutRuleAsync(rule, $$$"""
            {"selector":{"swarmService":"{{{service}}}"},"metric":"cpuPercent","aggregate":"avg","window":"15s","above":4,"below":1,"for":"10s",
             "alert":{"severity":"warning","summary":"service runs hot"},
             "scale":{"min":{{{Min}}},"max":{{{Max}}},"step":1,"cooldown":"20s"}}
            """);
        try
        {
            var loadStart = await FirstTaskStartedAsync(service);

            // Up to max, one step per cooldown, tasks on both nodes.
            await Poll.UntilAsync(
                async () => (await swarm.InspectServiceAsync(service)).Replicas == Max,
                Deadline,
                $"the rule to scale {service} up to {Max} replicas",
                () => swarm.Diagnostics());
            var perNode = await Eventually.MatchAsync(
                () => RunningTasksPerNodeAsync(service),
                n => n.Sum(t => t.Length) == Max && n.All(t => t.Length > 0),
                Deadline,
                $"{Max} running tasks spread over both nodes");
            output.WriteLine($"tasks per node: {string.Join(", ", perNode.Select(t => t.Length))}");

            // The Api and the rule see every task on both hosts.
            var detail = await Eventually.GetJsonAsync<JsonElement>(
                swarm.Api,
                $"/api/services/swarm/{service}",
                d => RunningMemberHosts(d).Count == Max && swarm.HostIds.All(RunningMemberHosts(d).Contains),
                Deadline,
                $"GET /api/services/swarm/{service} to list {Max} running members on both hosts",
                HttpStatusCode.NotFound);
            Assert.Equal(Max, detail.GetProperty("members").GetArrayLength());
            var seen = await Eventually.GetJsonAsync<JsonElement>(
                swarm.Api,
                $"/api/rules/{rule}",
                r => Status(r).GetProperty("containers").GetInt32() == Max,
                Deadline,
                $"the rule's value to cover all {Max} tasks");
            Assert.Equal("firing", Status(seen).GetProperty("state").GetString());
            Assert.True(Status(seen).GetProperty("value").GetDouble() > 4, seen.ToString());

            var firing = await Eventually.GetJsonAsync<JsonElement[]>(
                swarm.Api, "/api/alerts?state=firing", a => a.Any(x => Is(x, rule)), Deadline, "the rule's alert to fire");
            var alert = firing.Single(x => Is(x, rule));
            var alertId = alert.GetProperty("id").GetString();
            Assert.Equal("swarmService=" + service, alert.GetProperty("labels").GetProperty("selector").GetString());
            Assert.Equal("service runs hot", alert.GetProperty("summary").GetString());

            var loadStop = await StopLoadAsync(service);

            // The value falls below `below`: the hot alert resolves, and the rule steps the service down to min.
            var resolved = await Eventually.GetJsonAsync<JsonElement[]>(
                swarm.Api,
                "/api/alerts?state=resolved",
                a => a.Any(x => x.GetProperty("id").GetString() == alertId),
                Deadline,
                "the hot alert to resolve once the load stopped");
            var end = resolved.Single(x => x.GetProperty("id").GetString() == alertId).GetProperty("endsAt").GetDateTimeOffset();
            Assert.True(end > loadStop, $"the alert resolved at {end:O}, before the load stopped at {loadStop:O}");
            await Poll.UntilAsync(
                async () => (await swarm.InspectServiceAsync(service)).Replicas == Min,
                Deadline,
                $"the rule to scale {service} back down to {Min}",
                () => swarm.Diagnostics());

            // Every applied step is recorded with the rule's name: up one at a time to max, then down to min.
            var decisions = await swarm.GetAsync<JsonElement[]>($"/api/scaling?service={service}");
            var scaled = decisions.Where(d => d.GetProperty("outcome").GetString() == "scaled").Reverse().ToList();
            Assert.Equal(
                Steps,
                scaled.Select(d => $"{d.GetProperty("from").GetInt32()}->{d.GetProperty("to").GetInt32()}"));
            Assert.All(decisions, d => Assert.Equal(rule, d.GetProperty("rule").GetString()));
            Assert.All(scaled.Take(2), d => Assert.True(d.GetProperty("value").GetDouble() > 4, d.ToString()));
            Assert.All(scaled.Skip(2), d => Assert.True(d.GetProperty("value").GetDouble() < 1, d.ToString()));
            var times = scaled.Select(d => d.GetProperty("time").GetDateTimeOffset()).ToList();
            Assert.True(times[2] > loadStop, $"scaled down at {times[2]:O}, before the load stopped at {loadStop:O}");
            Assert.True(times[1] - times[0] >= Cooldown, $"two scale-ups within the cooldown: {times[0]:O}, {times[1]:O}");
            Assert.True(times[3] - times[2] >= Cooldown, $"two scale-downs within the cooldown: {times[2]:O}, {times[3]:O}");

            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"load start -> first scale-up {(times[0] - loadStart).TotalSeconds:0.0} s, -> max {(times[1] - loadStart).TotalSeconds:0.0} s; " +
                $"load stop -> first scale-down {(times[2] - loadStop).TotalSeconds:0.0} s, -> min {(times[3] - loadStop).TotalSeconds:0.0} s"));
        }
        finally
        {
            // Stops the evaluations (and resolves the idle service's alert); the service itself goes with the swarm.
            using var deleted = await swarm.Api.DeleteAsync(new Uri("/api/rules/" + rule, UriKind.Relative));
        }
    }

    private async Task PutRuleAsync(string name, string json)
    {
        using var response = await swarm.Api.PutAsync(new Uri("/api/rules/" + name, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>When the first task's container started (the load's start), as its engine reports it.</summary>
    private async Task<DateTimeOffset> FirstTaskStartedAsync(string service)
    {
        var tasks = await Eventually.MatchAsync(() => RunningTasksPerNodeAsync(service), n => n.Any(t => t.Length > 0), Deadline, "the first task to run");
        var (node, id) = swarm.Nodes.Zip(tasks).Where(p => p.Second.Length > 0).Select(p => (p.First, p.Second[0])).First();
        var started = (await node.RunAsync("inspect", "--format", "{{.State.StartedAt}}", id)).Trim();
        return DateTimeOffset.Parse(started, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    /// <summary>The running task containers of the service on each node, in <see cref="SwarmCluster.Nodes"/> order.</summary>
    private async Task<string[][]> RunningTasksPerNodeAsync(string service) =>
        await Task.WhenAll(swarm.Nodes.Select(async n =>
            (await n.RunAsync("ps", "--quiet", "--filter", "status=running", "--filter", "label=com.docker.swarm.service.name=" + service))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));

    /// <summary>Ends every task's load at once (no service update); returns when the last task was told.</summary>
    private async Task<DateTimeOffset> StopLoadAsync(string service)
    {
        var tasks = await RunningTasksPerNodeAsync(service);
        await Task.WhenAll(swarm.Nodes.Zip(tasks).SelectMany(p => p.Second.Select(id => p.First.RunAsync("exec", id, "touch", StopFile))));
        return DateTimeOffset.UtcNow;
    }

    private static List<string?> RunningMemberHosts(JsonElement detail) =>
        [.. detail.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("container").GetProperty("state").GetString() == "running")
            .Select(m => m.GetProperty("hostId").GetString())];

    private static JsonElement Status(JsonElement rule) => rule.GetProperty("status");

    private static bool Is(JsonElement alert, string rule) => alert.GetProperty("rule").GetString() == rule;
}
