using Docker.DotNet.Models;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>A Swarm service as inspected: its id, version and spec, to be sent back with a changed replica count.</summary>
internal sealed class DockerSwarmService(SwarmService model)
{
    public SwarmService Model { get; } = model;

    public string Id => Model.ID;

    public string Name => Model.Spec?.Name ?? Model.ID;

    /// <summary>The Swarm object version (<c>Version.Index</c>) an update must carry.</summary>
    public long Version => (long)(Model.Version?.Index ?? 0);

    /// <summary>The replica count of a replicated service; null for a global or job service.</summary>
    public int? Replicas => Model.Spec?.Mode?.Replicated is { } replicated ? (int)(replicated.Replicas ?? 1) : null;
}
