namespace Orleans.Monitor.Grains.Docker;

/// <summary>A parsed <c>DOCKER_HOST</c>: a unix socket path, or an HTTP base address for <c>tcp://</c>.</summary>
internal sealed record DockerEndpoint(string Host, string? SocketPath, Uri BaseAddress)
{
    public static bool TryParse(string host, out DockerEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = host["unix://".Length..];
            if (!path.StartsWith('/'))
            {
                error = $"'{host}' must name an absolute socket path, e.g. {DockerOptions.DefaultHost}.";
                return false;
            }

            // The authority is never used for a unix socket, but HTTP/1.1 requires a Host header.
            endpoint = new DockerEndpoint(host, path, new Uri("http://localhost/"));
            return true;
        }

        if (host.StartsWith("tcp://", StringComparison.Ordinal)
            && Uri.TryCreate("http://" + host["tcp://".Length..], UriKind.Absolute, out var uri)
            && !uri.IsDefaultPort
            && string.IsNullOrEmpty(uri.Query))
        {
            // A path after the port is a base path for every request.
            var basePath = uri.AbsolutePath.EndsWith('/') ? uri.AbsolutePath : uri.AbsolutePath + "/";
            endpoint = new DockerEndpoint(host, null, new Uri(uri.GetLeftPart(UriPartial.Authority) + basePath));
            return true;
        }

        error = $"'{host}' is not supported: use unix:///path/to/docker.sock or tcp://host:port.";
        return false;
    }
}
