namespace Orleans.Monitor.Contracts.Hosts;

/// <summary>
/// No live silo watches this Docker host, so none of its grains can run anywhere: placement never falls back to
/// another silo. Thrown by placement in milliseconds and carried to the caller with <see cref="HostId"/> intact.
/// </summary>
[GenerateSerializer]
public sealed class HostUnavailableException : OrleansException
{
    public HostUnavailableException()
    {
    }

    public HostUnavailableException(string message)
        : base(message)
    {
    }

    public HostUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HostUnavailableException(string hostId, int liveSilos)
        : base($"No live silo watches Docker host '{hostId}' ({liveSilos} live silos checked)") => HostId = hostId;

    /// <summary>The daemon ID whose silo is absent or dead.</summary>
    [Id(0)]
    public string? HostId { get; init; }
}
