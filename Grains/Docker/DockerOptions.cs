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

    /// <summary>Deadline of one non-streaming call (info, version, list, inspect, one-shot stats).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deadline of establishing a <c>tcp://</c> connection, streams included. A unix socket connects or fails at
    /// once; non-streaming calls are bounded by <see cref="RequestTimeout"/> whatever the transport.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The host to use: <see cref="Host"/>, else <paramref name="environmentHost"/>, else the default.</summary>
    public string ResolveHost(string? environmentHost) =>
        !string.IsNullOrWhiteSpace(Host) ? Host : !string.IsNullOrWhiteSpace(environmentHost) ? environmentHost : DefaultHost;

    /// <summary>
    /// Parses a <c>DOCKER_HOST</c> value into the endpoint the Docker client is built with: <c>unix://</c> with an
    /// absolute socket path, or <c>tcp://host:port</c> with an optional base path and no query.
    /// </summary>
    /// <param name="error">Why <paramref name="host"/> cannot be used, phrased for a start-up failure.</param>
    public static bool TryParseHost(string host, out Uri? endpoint, out string? error)
    {
        ArgumentNullException.ThrowIfNull(host);
        endpoint = null;
        error = null;
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = host["unix://".Length..];
            if (!path.StartsWith('/') || !Uri.TryCreate(host, UriKind.Absolute, out endpoint))
            {
                error = $"'{host}' must name an absolute socket path, e.g. {DefaultHost}.";
                return false;
            }

            return true;
        }

        if (host.StartsWith("tcp://", StringComparison.Ordinal)
            && Uri.TryCreate(host, UriKind.Absolute, out var uri)
            && uri.Port > 0
            && string.IsNullOrEmpty(uri.Query))
        {
            // The client appends request paths to the endpoint's path, so a base path must end with a slash.
            var basePath = uri.AbsolutePath.EndsWith('/') ? uri.AbsolutePath : uri.AbsolutePath + "/";
            endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority) + basePath);
            return true;
        }

        error = $"'{host}' is not supported: use unix:///path/to/docker.sock or tcp://host:port.";
        return false;
    }
}
