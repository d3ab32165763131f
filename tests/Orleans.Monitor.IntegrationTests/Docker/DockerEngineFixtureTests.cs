using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerEngineFixtureTests(DockerEngine engine)
{
    [Fact]
    public async Task RunAsync_BusyboxContainer_PrintsOutput()
    {
        var output = await engine.RunAsync("run", "--rm", "--network", "none", DockerEngine.BusyboxImage, "echo", "hello");

        Assert.Equal("hello", output.Trim());
    }

    [Fact]
    public async Task RunAsync_UnknownCommand_ThrowsWithStderr()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => engine.RunAsync("inspect", "no-such-container"));

        Assert.Contains("no-such-container", ex.Message, StringComparison.Ordinal);
    }
}
