using System.Runtime.InteropServices;

namespace Orleans.Monitor.Contracts.Metrics;

/// <summary>
/// One second of a container in its rolling window: rates and levels only, kept small (48 bytes) because
/// every container holds 600 of them.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly record struct SamplePoint(
    DateTimeOffset Timestamp,
    float CpuPercent,
    float CpuUserPercent,
    float CpuKernelPercent,
    long MemoryUsedBytes,
    float NetRxBytesPerSecond,
    float NetTxBytesPerSecond,
    float BlockReadBytesPerSecond,
    float BlockWriteBytesPerSecond,
    int Pids);
