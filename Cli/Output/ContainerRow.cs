using Orleans.Monitor.Cli.Api;

namespace Orleans.Monitor.Cli.Output;

/// <summary>One container line of <c>ps</c> and <c>top</c>: the container, its latest sample and its host's label.</summary>
public sealed record ContainerRow(string HostLabel, ContainerLive Live)
{
    public ContainerInfo Container => Live.Container;

    public ContainerSample? Sample => Live.Sample;

    /// <summary>Received plus sent bytes per second, the network sort key (0 where no network is measured).</summary>
    public double NetworkBytesPerSecond => Sample is { } s ? (s.NetRxBytesPerSecond ?? 0) + (s.NetTxBytesPerSecond ?? 0) : 0;

    public static IReadOnlyList<Column<ContainerRow>> Columns { get; } =
    [
        new("host", "HOST", r => r.HostLabel),
        new("hostId", "HOST ID", r => r.Container.HostId, InTable: false),
        new("id", "CONTAINER ID", r => r.Container.Id, r => r.Container.Id[..Math.Min(12, r.Container.Id.Length)]),
        new("name", "NAME", r => r.Container.Name),
        new("image", "IMAGE", r => r.Container.Image),
        new("state", "STATE", r => r.Container.State, r => r.Container.Health is { } health ? $"{r.Container.State} ({health})" : r.Container.State),
        new("restartCount", "RESTARTS", r => r.Container.RestartCount, Right: true),
        new("lastExitCode", "LAST EXIT", r => r.Container.LastExitCode, r => r.Container.LastExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Right: true),
        new("cpuPercent", "CPU %", r => r.Sample?.CpuPercent, r => r.Sample is { } s ? Units.Percent(s.CpuPercent) : "-", Right: true),
        new("memoryUsedBytes", "MEM", r => r.Sample?.MemoryUsedBytes, r => r.Sample is { } s ? Units.Bytes(s.MemoryUsedBytes) : "-", Right: true),
        new("memoryLimitBytes", "LIMIT", r => r.Sample?.MemoryLimitBytes, r => r.Sample is { } s ? Units.Bytes(s.MemoryLimitBytes) : "-", Right: true),
        new("memoryPercent", "MEM %", r => r.Sample?.MemoryPercent, r => r.Sample is { } s ? Units.Percent(s.MemoryPercent) : "-", Right: true),
        new("netRxBytesPerSecond", "NET RX/s", r => r.Sample?.NetRxBytesPerSecond, r => r.Sample?.NetRxBytesPerSecond is { } rate ? Units.Rate(rate) : "-", Right: true),
        new("netTxBytesPerSecond", "NET TX/s", r => r.Sample?.NetTxBytesPerSecond, r => r.Sample?.NetTxBytesPerSecond is { } rate ? Units.Rate(rate) : "-", Right: true),
        new("blockReadBytesPerSecond", "BLK R/s", r => r.Sample?.BlockReadBytesPerSecond, r => r.Sample is { } s ? Units.Rate(s.BlockReadBytesPerSecond) : "-", Right: true),
        new("blockWriteBytesPerSecond", "BLK W/s", r => r.Sample?.BlockWriteBytesPerSecond, r => r.Sample is { } s ? Units.Rate(s.BlockWriteBytesPerSecond) : "-", Right: true),
        new("pids", "PIDS", r => r.Sample?.Pids, r => r.Sample is { } s ? s.Pids.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-", Right: true),
    ];
}
