using Docker.DotNet.Models;
using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerMapperTests
{
    [Fact]
    public void ToContainerInfo_ListElement_StripsSlashAndReadsComposeLabels()
    {
        // The list's Created is a Unix time; the library's own converter turns it into a UTC DateTime.
        var summary = new ContainerListResponse
        {
            ID = "965e57cc10f0",
            Names = ["/web/db", "/spec-idle"],
            Image = "busybox:local",
            Created = DateTimeOffset.FromUnixTimeSeconds(1795294405).UtcDateTime,
            State = "running",
            Status = "Up 15 minutes (healthy)",
            Labels = new Dictionary<string, string> { ["com.docker.compose.project"] = "demo", ["com.docker.compose.service"] = "idle" },
        };

        var info = DockerMapper.ToContainerInfo(summary, "host-1");

        Assert.Equal("spec-idle", info.Name);
        Assert.Equal("host-1", info.HostId);
        Assert.Equal("demo", info.ComposeProject);
        Assert.Equal("idle", info.ComposeService);
        Assert.Equal("healthy", info.Health);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795294405), info.Created);
        Assert.Equal(TimeSpan.Zero, info.Created.Offset);
        Assert.Null(info.ExitCode);
    }

    [Theory]
    [InlineData("Exited (137) 10 minutes ago", 137, null)]
    [InlineData("Up 2 minutes (unhealthy)", null, "unhealthy")]
    [InlineData("Up 3 seconds (health: starting)", null, "starting")]
    [InlineData("Up 5 minutes (Paused)", null, null)]
    public void ToContainerInfo_Status_ParsesExitCodeAndHealth(string status, int? exitCode, string? health)
    {
        var summary = new ContainerListResponse { ID = "id", Names = ["/n"], Image = "img", State = "exited", Status = status };

        var info = DockerMapper.ToContainerInfo(summary, "h");

        Assert.Equal(exitCode, info.ExitCode);
        Assert.Equal(health, info.Health);
        Assert.Empty(info.Labels);
    }

    [Theory]
    [InlineData("tcnet", "self")]
    [InlineData("bridge", "self")]
    [InlineData("default", "self")]
    [InlineData("host", null)]
    [InlineData("none", null)]
    [InlineData("container:0dc21874672b0ccf781d34666cf1307900569c8d4a8ccad077f8eda889b1f5da", "0dc21874672b0ccf781d34666cf1307900569c8d4a8ccad077f8eda889b1f5da")]
    public void ToDetails_NetworkMode_NamesTheNamespaceDockerCounts(string mode, string? expected)
    {
        var inspect = DockerModels.Parse<ContainerInspectResponse>($$$"""
            {"Id":"self","Name":"/web","Created":"2026-11-21T21:00:00Z",
             "State":{"Status":"running","Running":true,"Pid":4242,"StartedAt":"2026-11-21T21:00:01Z","FinishedAt":"0001-01-01T00:00:00Z"},
             "Config":{"Image":"busybox:local"},"HostConfig":{"NetworkMode":"{{{mode}}}"}}
            """);

        var details = DockerMapper.ToDetails(inspect, "h");

        Assert.Equal(expected, details.NetworkNamespace);
        Assert.Equal(expected, details.Target?.NetworkNamespace);
        Assert.Equal(4242, details.Target?.Pid);
    }

    [Fact]
    public void ToDetails_RunningContainer_MapsZeroTimesToNull()
    {
        var inspect = DockerModels.Parse<ContainerInspectResponse>("""
            {"Id":"abc","Name":"/web","Created":"2026-11-21T21:00:00.123456789Z",
             "State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":4242,
               "ExitCode":0,"Error":"","StartedAt":"2026-11-21T21:00:01.5Z","FinishedAt":"0001-01-01T00:00:00Z",
               "Health":{"Status":"healthy","FailingStreak":0,"Log":[]}},
             "Config":{"Image":"busybox:local","Labels":{"com.docker.compose.project":"p"}},
             "HostConfig":{"NanoCpus":500000000,"Memory":67108864,"CpuQuota":0,"CpuPeriod":0,"PidsLimit":null},"RestartCount":2}
            """);

        var details = DockerMapper.ToDetails(inspect, "h");

        Assert.Equal("web", details.Info.Name);
        Assert.Equal("busybox:local", details.Info.Image);
        Assert.Equal("healthy", details.Info.Health);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 21, 0, 0, TimeSpan.Zero).AddTicks(1234567), details.Info.Created);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 21, 0, 1, 500, TimeSpan.Zero), details.Info.StartedAt);
        Assert.Null(details.Info.FinishedAt);
        Assert.Null(details.Info.ExitCode);
        Assert.Equal(4242, details.Pid);
        Assert.Equal(0.5, details.CpuLimitCores);
        Assert.Equal(67108864, details.MemoryLimitBytes);
        Assert.Equal(2, details.RestartCount);
        Assert.Equal("p", details.Info.ComposeProject);
    }

    [Fact]
    public void ToDetails_OomKilledContainer_ReportsExitAndOom()
    {
        var inspect = new ContainerInspectResponse
        {
            ID = "abc",
            Name = "/oom",
            Created = DateTime.UnixEpoch,
            State = new State
            {
                Status = "exited",
                OOMKilled = true,
                ExitCode = 137,
                StartedAt = "1970-01-01T00:00:01Z",
                FinishedAt = "1970-01-01T00:00:02Z",
            },
        };

        var details = DockerMapper.ToDetails(inspect, "h");

        Assert.True(details.Info.OomKilled);
        Assert.Equal(137, details.Info.ExitCode);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(2), details.Info.FinishedAt);
        Assert.Null(details.CpuLimitCores);
        Assert.Empty(details.Info.Labels);
    }

    [Fact]
    public void ToDetails_RestartingContainer_ReportsExitCodeRestartCountAndLastExitCode()
    {
        // What dockerd 20.10 answers between two runs of --restart always: Running stays true while Restarting.
        var inspect = new ContainerInspectResponse
        {
            ID = "abc",
            Name = "/loop",
            Created = DateTime.UnixEpoch,
            RestartCount = 6,
            State = new State
            {
                Status = "restarting",
                Running = true,
                Restarting = true,
                ExitCode = 3,
                StartedAt = "1970-01-01T00:00:01Z",
                FinishedAt = "1970-01-01T00:00:02Z",
            },
        };

        var info = DockerMapper.ToDetails(inspect, "h").Info;

        Assert.Equal((3, 6, 3), (info.ExitCode, info.RestartCount, info.LastExitCode));
    }

    [Fact]
    public void ToDetails_RunningAgainAfterRestart_HasNoExitCode()
    {
        var inspect = new ContainerInspectResponse
        {
            ID = "abc",
            Name = "/loop",
            Created = DateTime.UnixEpoch,
            RestartCount = 7,
            State = new State { Status = "running", Running = true, ExitCode = 0, StartedAt = "1970-01-01T00:00:03Z", FinishedAt = "1970-01-01T00:00:02Z" },
        };

        var info = DockerMapper.ToDetails(inspect, "h").Info;

        Assert.Equal(((int?)null, 7, (int?)null), (info.ExitCode, info.RestartCount, info.LastExitCode));
    }

    [Theory]
    [InlineData("""{"exitCode":"101","image":"busybox:local","name":"burst"}""", "die", 101, null, null)]
    [InlineData("""{"signal":"15","image":"busybox:local","name":"burst"}""", "kill", null, "15", null)]
    [InlineData("""{"image":"busybox:local","name":"burst"}""", "health_status: unhealthy", null, null, "unhealthy")]
    [InlineData("""{"exitCode":"oops","image":"busybox:local","name":"burst"}""", "die", null, null, null)]
    public void ToContainerEvent_Attributes_GiveTheActionsFacts(string attributes, string action, int? exitCode, string? signal, string? health)
    {
        var message = DockerModels.Parse<Message>($$"""
            {"Type":"container","Action":"{{action}}","Actor":{"ID":"c1","Attributes":{{attributes}}},"scope":"local","time":1795295118,"timeNano":1795295118326691381}
            """);

        var containerEvent = DockerMapper.ToEvent(message)!.ToContainerEvent("h");

        Assert.Equal(("c1", "h", action.Split(':')[0], 1795295118326691381L), (containerEvent.ContainerId, containerEvent.HostId, containerEvent.Action, containerEvent.TimeNano));
        Assert.Equal(("burst", "busybox:local"), (containerEvent.Name, containerEvent.Image));
        Assert.Equal((exitCode, signal, health), (containerEvent.ExitCode, containerEvent.Signal, containerEvent.Health));
        Assert.Empty(containerEvent.Labels());
    }

    [Fact]
    public void ToEvent_ObservedDie_MapsActorAndTime()
    {
        var message = DockerModels.Parse<Message>("""
            {"status":"die","id":"c1","from":"busybox:local","Type":"container","Action":"die",
             "Actor":{"ID":"c1","Attributes":{"exitCode":"137","image":"busybox:local","name":"spec-oom"}},
             "scope":"local","time":1795295118,"timeNano":1795295118326691381}
            """);

        var dockerEvent = DockerMapper.ToEvent(message)!;

        Assert.Equal("die", dockerEvent.Action);
        Assert.Null(dockerEvent.ActionDetail);
        Assert.Equal("c1", dockerEvent.ActorId);
        Assert.Equal("137", dockerEvent.Attributes["exitCode"]);
        Assert.Equal("1795295118.326691381", dockerEvent.Cursor);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795295118).AddTicks(3266913), dockerEvent.Time);
    }

    [Theory]
    [InlineData("health_status: healthy", "health_status", "healthy")]
    [InlineData("exec_start: sh -c echo a: b", "exec_start", "sh -c echo a: b")]
    public void ToEvent_ActionWithDetail_SplitsOnFirstSeparator(string action, string expected, string detail)
    {
        var message = new Message { Type = "container", Action = action, Actor = new Actor { ID = "c1" }, Scope = "local", Time = 1, TimeNano = 0 };

        var dockerEvent = DockerMapper.ToEvent(message)!;

        Assert.Equal(expected, dockerEvent.Action);
        Assert.Equal(detail, dockerEvent.ActionDetail);
        Assert.Equal(1_000_000_000, dockerEvent.TimeNano);
        Assert.Empty(dockerEvent.Attributes);
    }

    [Fact]
    public void ToEvent_NoActor_IsSkipped() =>
        Assert.Null(DockerMapper.ToEvent(DockerModels.Parse<Message>("""{"Type":"container","Action":"die","time":1}""")));

    [Theory]
    [InlineData("2026-11-21T21:00:01.123456789Z", 1234567)]
    [InlineData("2026-11-21T21:00:01Z", 0)]
    public void ParseTime_Rfc3339Nano_KeepsTicksInUtc(string value, long fractionTicks)
    {
        var time = DockerMapper.ParseTime(value);

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 21, 0, 1, TimeSpan.Zero).AddTicks(fractionTicks), time);
        Assert.Equal(TimeSpan.Zero, time!.Value.Offset);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("")]
    [InlineData(null)]
    public void ParseTime_ZeroOrMissing_IsNull(string? value) => Assert.Null(DockerMapper.ParseTime(value));

    [Fact]
    public void FormatSince_PadsNanoseconds() => Assert.Equal("12.000000005", DockerEvent.FormatSince(12_000_000_005));
}
