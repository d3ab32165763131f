namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// The containers one test starts on an engine; all removed when the test ends (<see cref="RemoveAllAsync"/> from the
/// test's DisposeAsync) (a busy loop left running would take
/// CPU from the tests after it).
/// </summary>
public sealed class TestContainers(DockerEngine engine)
{
    private readonly List<string> _ids = [];

    /// <summary>Runs a detached busybox container (see <see cref="DockerEngine.RunContainerAsync"/>) and tracks it.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> options, params string[] command)
    {
        var id = await engine.RunContainerAsync(options, command);
        _ids.Add(id);
        return id;
    }

    /// <summary>Tracks a container started another way (on a network, with <c>docker create</c>).</summary>
    public string Track(string id)
    {
        _ids.Add(id);
        return id;
    }

    /// <summary>Removes every tracked container; called when the test ends.</summary>
    public async Task RemoveAllAsync()
    {
        foreach (var id in _ids.Distinct().ToList())
        {
            try
            {
                await engine.RunAsync("rm", "-f", id);
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("No such container", StringComparison.Ordinal) || !engine.IsRunning)
            {
                // Removed by the test itself, or its engine is already gone.
            }
        }

        _ids.Clear();
    }
}
