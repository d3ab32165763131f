using System.Runtime.InteropServices;

namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>
/// One second of a container in its rolling window: rates and levels only, kept small because every container
/// holds 600 of them. The network rates are null when the container's network is not measured.
/// <see cref="ThrottledPeriodsRatio"/> is the share (0..1) of the interval's CFS periods in which the container was
/// throttled; 0 without a CPU limit.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
[GenerateSerializer, Immutable]
public readonly record struct SamplePoint(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] float CpuPercent,
    [property: Id(2)] float CpuUserPercent,
    [property: Id(3)] float CpuKernelPercent,
    [property: Id(4)] long MemoryUsedBytes,
    [property: Id(5)] float? NetRxBytesPerSecond,
    [property: Id(6)] float? NetTxBytesPerSecond,
    [property: Id(7)] float BlockReadBytesPerSecond,
    [property: Id(8)] float BlockWriteBytesPerSecond,
    [property: Id(9)] int Pids,
    [property: Id(10)] float ThrottledPeriodsRatio = 0);
