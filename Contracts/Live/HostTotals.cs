namespace Orleans.Monitor.Contracts.Live;

/// <summary>
/// A host's live totals: the sum over every container that holds the resource (running and paused alike; a paused
/// container keeps its memory), with network counted once per network namespace however many containers share it.
/// </summary>
/// <param name="NetRxBytesPerSecond">Null when no container of the host has a measured network.</param>
[GenerateSerializer, Immutable]
public sealed record HostTotals(
    [property: Id(0)] double CpuPercent,
    [property: Id(1)] long MemoryUsedBytes,
    [property: Id(2)] double? NetRxBytesPerSecond,
    [property: Id(3)] double? NetTxBytesPerSecond,
    [property: Id(4)] double BlockReadBytesPerSecond,
    [property: Id(5)] double BlockWriteBytesPerSecond,
    [property: Id(6)] long Pids)
{
    public static HostTotals Zero { get; } = new(0, 0, null, null, 0, 0, 0);
}
