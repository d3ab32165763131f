using System.Text.Json;
using Orleans.Monitor.Cli.Api;

namespace Orleans.Monitor.UnitTests.Cli.Api;

/// <summary>The events answer as the Api's <c>ContainerEvent</c> record serializes (camelCase, <c>time</c> and <c>timeNano</c>).</summary>
public sealed class ContainerEventTests
{
    [Fact]
    public void ReadList_ArrayOfEvents_TimeActionExitCodeSignalHealth()
    {
        const string json = """
            [
              { "containerId": "c1", "hostId": "h1", "action": "die", "timeNano": 1795777200123456789, "time": "2026-11-27T11:00:00.1234567+00:00",
                "name": "web", "image": "busybox", "exitCode": 137, "signal": null, "health": null, "attributes": { "exitCode": "137" } },
              { "containerId": "c1", "hostId": "h1", "action": "kill", "timeNano": 1795777200000000000, "time": "2026-11-27T11:00:00+00:00",
                "exitCode": null, "signal": "9", "health": null, "attributes": {} },
              { "containerId": "c1", "hostId": "h1", "action": "health_status", "timeNano": 1795777100000000000, "time": "2026-11-27T10:58:20+00:00",
                "exitCode": null, "signal": null, "health": "unhealthy", "attributes": {} }
            ]
            """;

        var events = ContainerEvent.ReadList(JsonDocument.Parse(json).RootElement);

        Assert.Equal(["die", "kill", "health_status"], events.Select(e => e.Action));
        Assert.Equal(137, events[0].ExitCode);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero).AddTicks(1_234_567), events[0].Time);
        Assert.Equal("9", events[1].Signal);
        Assert.Equal("unhealthy", events[2].Health);
    }

    [Fact]
    public void ReadList_WrappedWithOnlyTimeNano_TimeFromNanoseconds()
    {
        const string json = """{ "containerId": "c1", "events": [ { "action": "start", "timeNano": 1000000000500, "healthStatus": "starting" } ] }""";

        var single = Assert.Single(ContainerEvent.ReadList(JsonDocument.Parse(json).RootElement));

        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1000).AddTicks(5), single.Time);
        Assert.Equal("starting", single.Health);
        Assert.Null(single.ExitCode);
    }

    [Fact]
    public void ReadList_NeitherShape_Throws() =>
        Assert.Throws<JsonException>(() => ContainerEvent.ReadList(JsonDocument.Parse("""{ "title": "x" }""").RootElement));
}
