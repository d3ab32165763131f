using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>How to reach the Docker daemon; bound from the "Docker" configuration section.</summary>
public sealed class DockerOptions
{
    public const string SectionName = "Docker";

    /// <summary>The default of the docker CLI on Linux.</summary>
    public const string DefaultHost = "unix:///var/run/docker.sock";

    /// <summary>
    /// <c>unix:///path/to/docker.sock</c> or <c>tcp://host:port</c> (plain HTTP). When unset, the <c>DOCKER_HOST</c>
    /// environment variable applies, then <see cref="DefaultHost"/>.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>Deadline of one non-streaming call (ping, info, list, inspect, one-shot stats).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of establishing a connection, streams included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The host to use: <see cref="Host"/>, else <paramref name="environmentHost"/>, else the default.</summary>
    public string ResolveHost(string? environmentHost) =>
        !string.IsNullOrWhiteSpace(Host) ? Host : !string.IsNullOrWhiteSpace(environmentHost) ? environmentHost : DefaultHost;
}
