using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Cluster;

/// <summary>A rule over a service with members on two hosts, evaluated by the silos, seen by both Apis.</summary>
public sealed partial class ClusterTests
{
    [Fact, Step(10)]
    public Task Rule_MembersOnTwoHosts_FiresOnBothApisUnknownWhileAHostIsDownResolvesOnStop() => RunAsync(async () =>
    {
        // The steps before may end with a silo stopped on purpose (SIGTERM); this one needs every host, as a supervisor would restart it.
        foreach (var host in cluster.Hosts.Where(h => h.Silo is null || h.Silo.HasExited))
        {
            cluster.StartSilo(host);
        }

        await WaitAllHostsUpAsync();
        var service = "hot-" + Guid.NewGuid().ToString("N")[..6];
        var rule = "rule-" + service;
        var members = new[] { cluster.Hosts[0], cluster.Hosts[2] };
        var victim = cluster.Hosts[1];
        var started = new List<(ClusterHost Host, string Id)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var hub1 = await HubClient.ConnectAsync(Api1.BaseAddress, ClusterFixture.ApiKey, timeout.Token);
        await using var hub2 = await HubClient.ConnectAsync(Api2.BaseAddress, ClusterFixture.ApiKey, timeout.Token);
        var pushed1 = new ConcurrentQueue<JsonObject>();
        var pushed2 = new ConcurrentQueue<JsonObject>();
        var reading = Task.WhenAll(
            CollectAsync(hub1, await hub1.StreamAsync("WatchAlerts", [], timeout.Token), pushed1, timeout.Token),
            CollectAsync(hub2, await hub2.StreamAsync("WatchAlerts", [], timeout.Token), pushed2, timeout.Token));
        try
        {
            foreach (var host in members)
            {
                started.Add((host, await host.Engine.RunContainerAsync(["--label", "com.docker.swarm.service.name=" + service, "--cpus", "0.3"], "sh", "-c", "while :; do :; done")));
            }

            using (var put = await Api1.Http.PutAsync(
                new Uri("/api/rules/" + rule, UriKind.Relative),
                new StringContent(
                    $$$"""{"selector":{"swarmService":"{{{service}}}"},"metric":"cpuPercent","aggregate":"avg","window":"5s","above":5,"for":"2s"}""",
                    Encoding.UTF8,
                    "application/json")))
            {
                Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
            }

            // Evaluated by a silo; both Apis show the same state, and both hubs get the alert.
            var firingAt = DateTimeOffset.UtcNow;
            foreach (var api in cluster.Apis)
            {
                var firing = await WaitRuleAsync(api, rule, s => s.GetProperty("state").GetString() == "firing", "firing");
                Assert.Equal(2, firing.GetProperty("containers").GetInt32());
            }

            Report($"rule over 2 hosts: firing on both Apis {Seconds(DateTimeOffset.UtcNow - firingAt)} after the PUT");
            var alert = Assert.Single(await ClusterFixture.GetAsync<JsonElement[]>(Api2, "/api/alerts?state=firing"), a => a.GetProperty("rule").GetString() == rule);
            var hosts = alert.GetProperty("labels").GetProperty("hosts").GetString()!.Split(',');
            Assert.Equal(members.Select(h => h.HostId).Order(StringComparer.Ordinal), hosts);
            foreach (var (name, pushed) in new[] { ("Api1", pushed1), ("Api2", pushed2) })
            {
                await cluster.UntilAsync(() => Task.FromResult(pushed.Any(a => IsAlert(a, rule, "firing"))), Deadline, $"WatchAlerts on {name} to push the firing alert");
            }

            // A host without members goes down: it might hold members now, so the rule cannot say; it keeps evaluating
            // (on another silo if its own died) and names the host.
            await victim.Silo!.KillAsync();
            var killedAt = DateTimeOffset.UtcNow;
            // When the rule's grain lived on the killed silo, the Api first says so ("the rule's grain did not
            // answer", also unknown) until membership declares the silo dead and the grain evaluates on another.
            var firstUnknown = await WaitRuleAsync(Api1, rule, s => s.GetProperty("state").GetString() == "unknown", "unknown");
            Report($"silo of {victim} killed -> rule unknown after {Seconds(DateTimeOffset.UtcNow - killedAt)}: {Truncate(firstUnknown.GetProperty("reason").GetString())}");
            var unknown = await WaitRuleAsync(
                Api1,
                rule,
                s => s.GetProperty("state").GetString() == "unknown" && s.GetProperty("reason").GetString()!.Contains(victim.HostId, StringComparison.Ordinal),
                "unknown naming the host that went down");
            Report($"  and naming the host after {Seconds(DateTimeOffset.UtcNow - killedAt)}: {Truncate(unknown.GetProperty("reason").GetString())}");
            var stillEvaluating = unknown.GetProperty("evaluatedAt").GetDateTimeOffset();
            await WaitRuleAsync(Api2, rule, s => s.GetProperty("evaluatedAt").GetDateTimeOffset() > stillEvaluating, "a later evaluation");

            cluster.StartSilo(victim);
            await WaitAllHostsUpAsync();
            victim.UpSince = DateTimeOffset.UtcNow;
            await WaitRuleAsync(Api1, rule, s => s.GetProperty("state").GetString() == "firing", "firing again once the host is back");
            // The same alert went on: unknown neither resolved it nor opened a second one.
            Assert.Single(await ClusterFixture.GetAsync<JsonElement[]>(Api1, "/api/alerts"), a => a.GetProperty("rule").GetString() == rule);

            foreach (var (host, id) in started)
            {
                await host.Engine.RunAsync("stop", "-t", "1", id);
            }

            await WaitRuleAsync(Api2, rule, s => s.GetProperty("state").GetString() == "ok", "ok after the members stopped");
            var resolved = Assert.Single(await ClusterFixture.GetAsync<JsonElement[]>(Api1, "/api/alerts?state=resolved"), a => a.GetProperty("rule").GetString() == rule);
            Assert.NotEqual(JsonValueKind.Null, resolved.GetProperty("endsAt").ValueKind);
            foreach (var (name, pushed) in new[] { ("Api1", pushed1), ("Api2", pushed2) })
            {
                await cluster.UntilAsync(() => Task.FromResult(pushed.Any(a => IsAlert(a, rule, "resolved"))), Deadline, $"WatchAlerts on {name} to push the resolution");
            }
        }
        finally
        {
            await timeout.CancelAsync();
            await reading;
            using var deleted = await Api1.Http.DeleteAsync(new Uri("/api/rules/" + rule, UriKind.Relative));
            foreach (var (host, id) in started)
            {
                await host.Engine.RunAsync("rm", "-f", id);
            }
        }
    });

    /// <summary>The first line of a reason, at most 200 characters: a grain call's failure carries its whole stack.</summary>
    private static string Truncate(string? reason)
    {
        var line = (reason ?? "").Split('\n')[0];
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    /// <summary>Polls the rule's status on <paramref name="api"/> until <paramref name="condition"/>; returns that status.</summary>
    private async Task<JsonElement> WaitRuleAsync(ApiInstance api, string rule, Func<JsonElement, bool> condition, string what)
    {
        JsonElement? last = null;
        await cluster.UntilAsync(
            async () =>
            {
                last = (await ClusterFixture.GetAsync<JsonElement>(api, "/api/rules/" + rule)).GetProperty("status");
                return condition(last.Value);
            },
            Deadline,
            $"rule {rule} {what} on {api.Process.Name}",
            () => last?.ToString());
        return last!.Value;
    }

    private static bool IsAlert(JsonObject alert, string rule, string state) =>
        alert["rule"]?.GetValue<string>() == rule && alert["state"]?.GetValue<string>() == state;

    /// <summary>Collects every pushed alert, pinging so the server keeps a connection that only listens.</summary>
    private static async Task CollectAsync(HubClient hub, string stream, ConcurrentQueue<JsonObject> pushed, CancellationToken cancellationToken)
    {
        async Task PingAsync()
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
                    await hub.PingAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        var pinging = PingAsync();
        try
        {
            while (true)
            {
                pushed.Enqueue(await hub.NextItemAsync(stream, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await pinging;
        }
    }
}
