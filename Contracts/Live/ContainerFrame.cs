using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Contracts.Live;

/// <summary>
/// One live update of a single container. The first frame a subscriber gets carries the rolling
/// <see cref="Window"/> and <see cref="Snapshot"/> true; later frames carry only the newest <see cref="Point"/>.
/// </summary>
public sealed record ContainerFrame(
    ContainerInfo Container,
    ContainerSample? Sample,
    SamplePoint? Point,
    IReadOnlyList<SamplePoint>? Window,
    bool Snapshot = false);
