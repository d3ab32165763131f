namespace Orleans.Monitor.Contracts.Containers;

/// <summary>Docker's machine values for a container's state, plus <see cref="Removed"/> for history-only rows.</summary>
public static class ContainerState
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Restarting = "restarting";
    public const string Removing = "removing";
    public const string Exited = "exited";
    public const string Dead = "dead";
    public const string Removed = "removed";
}
