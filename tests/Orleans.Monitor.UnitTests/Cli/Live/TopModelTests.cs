using Orleans.Monitor.Cli.Api;
using Orleans.Monitor.Cli.Live;

namespace Orleans.Monitor.UnitTests.Cli.Live;

public sealed class TopModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ContainerLive Container(string name, double? cpu, long memory = 0, double rx = 0, double tx = 0, string state = "running") => new(
        new ContainerInfo(name + "000000000000", "h1", name, "busybox:local", state, null, Now, Now, null, 0, null),
        cpu is { } c ? new ContainerSample(Now, c, memory, 1 << 30, 0, rx, tx, 0, 0, 1) : null);

    private static HostFrame Frame(string hostId, string name, params ContainerLive[] containers) =>
        new(1, Now, new HostInfo(hostId, name, 2, 1L << 34, "20.10"), hostId, "up", Now, null, containers, Snapshot: true);

    private static TopModel Model(TopSort sort = TopSort.Cpu)
    {
        var model = new TopModel(sort);
        model.Apply(LiveUpdate.Of(Frame("h1", "a", Container("busy", 80, memory: 10), Container("fat", 5, memory: 900), Container("stopped", null, state: "exited"))));
        model.Apply(LiveUpdate.Of(Frame("h2", "b", Container("chatty", 1, memory: 20, rx: 5000, tx: 5000))));
        return model;
    }

    private static string[] Names(TopModel model) => [.. model.Rows().Select(r => r.Container.Name)];

    private static ConsoleKeyInfo Key(char c) => new(c, c switch
    {
        '\r' => ConsoleKey.Enter,
        '\x1b' => ConsoleKey.Escape,
        '\b' => ConsoleKey.Backspace,
        _ => ConsoleKey.A,
    }, false, false, false);

    [Fact]
    public void Rows_EveryHost_SortedByCpuWithUnsampledLast()
    {
        Assert.Equal(["busy", "fat", "chatty", "stopped"], Names(Model()));
    }

    [Theory]
    [InlineData('m', new[] { "fat", "chatty", "busy", "stopped" })]
    [InlineData('n', new[] { "chatty", "busy", "fat", "stopped" })]
    [InlineData('h', new[] { "busy", "chatty", "fat", "stopped" })]
    [InlineData('r', new[] { "chatty", "fat", "busy", "stopped" })]
    public void HandleKey_SortKey_ReordersRows(char key, string[] expected)
    {
        var model = Model();

        Assert.True(model.HandleKey(Key(key)));

        Assert.Equal(expected, Names(model));
    }

    [Fact]
    public void HandleKey_SameSortKeyAgain_ReversesTheOrder()
    {
        var model = Model();
        model.HandleKey(Key('m'));

        model.HandleKey(Key('m'));

        Assert.False(model.Descending);
        Assert.Equal(["busy", "chatty", "fat", "stopped"], Names(model));
    }

    [Fact]
    public void HandleKey_SlashTextEnter_FiltersCaseInsensitively()
    {
        var model = Model();

        foreach (var c in "/CHA\r")
        {
            model.HandleKey(Key(c));
        }

        Assert.Equal("CHA", model.Filter);
        Assert.Null(model.FilterDraft);
        Assert.Equal(["chatty"], Names(model));
    }

    [Fact]
    public void HandleKey_QWhileTypingAFilter_IsText()
    {
        var model = Model();

        model.HandleKey(Key('f'));
        var kept = model.HandleKey(Key('q'));

        Assert.True(kept);
        Assert.Equal("q", model.FilterDraft);
    }

    [Fact]
    public void HandleKey_EscapeWhileTyping_KeepsThePreviousFilter()
    {
        var model = Model();
        foreach (var c in "/fat\r/bu\x1b")
        {
            model.HandleKey(Key(c));
        }

        Assert.Equal("fat", model.Filter);
        Assert.Equal(["fat"], Names(model));
    }

    [Fact]
    public void HandleKey_A_TogglesRunningOnly()
    {
        var model = Model();

        model.HandleKey(Key('a'));

        Assert.DoesNotContain("stopped", Names(model));
    }

    [Fact]
    public void HandleKey_Q_Quits() => Assert.False(Model().HandleKey(Key('q')));

    [Fact]
    public void Apply_NewFrameOfAHost_ReplacesItsContainers()
    {
        var model = Model();

        model.Apply(LiveUpdate.Of(Frame("h2", "b", Container("newcomer", 50))));

        Assert.Equal(["busy", "newcomer", "fat", "stopped"], Names(model));
        Assert.Null(model.Problem);
    }

    [Fact]
    public void Apply_Lost_KeepsRowsAndShowsTheProblemUntilTheNextFrame()
    {
        var model = Model();

        model.Apply(LiveUpdate.Lost("the live stream ended"));
        var during = model.Problem;
        model.Apply(LiveUpdate.Of(Frame("h1", "a", Container("busy", 70))));

        Assert.Equal("the live stream ended", during);
        Assert.Null(model.Problem);
        Assert.Contains("chatty", Names(model));
    }
}
