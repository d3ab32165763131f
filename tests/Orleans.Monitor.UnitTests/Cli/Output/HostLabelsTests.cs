using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.UnitTests.Cli.Output;

public sealed class HostLabelsTests
{
    [Fact]
    public void From_UniqueNames_TheNames()
    {
        var labels = HostLabels.From([("AAAA:1111", "web-1"), ("BBBB:2222", "web-2")]);

        Assert.Equal("web-1", labels.Label("AAAA:1111"));
        Assert.Equal("web-2", labels.Label("BBBB:2222"));
    }

    [Fact]
    public void From_SameName_NameAndShortestDistinctIdPrefix()
    {
        // Engines on one machine all report the machine's name.
        var labels = HostLabels.From([("ABCD:EF12:X", "vm"), ("ABCD:EF34:Y", "vm"), ("ZZZZ:0000", "db")]);

        Assert.Equal("vm/ABCD:EF1", labels.Label("ABCD:EF12:X"));
        Assert.Equal("vm/ABCD:EF3", labels.Label("ABCD:EF34:Y"));
        Assert.Equal("db", labels.Label("ZZZZ:0000"));
        Assert.Equal("unknown-id", labels.Label("unknown-id"));
    }
}
