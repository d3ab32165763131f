namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// The trait that tests/run.sh splits the suite by: tests marked <c>[Trait(Lane.Name, Lane.Alongside)]</c> spend most
/// of their time waiting (for a wall-clock minute to close, or for silos to give up on a peer) and little on CPU, so
/// the script runs them in a second test process beside the rest. Each still runs alone within its own process.
/// </summary>
public static class Lane
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Lane";

    /// <summary>The trait value of tests run beside the rest of the suite.</summary>
    public const string Alongside = "alongside";
}
