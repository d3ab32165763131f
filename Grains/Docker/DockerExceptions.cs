using System.Net;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>The Docker daemon answered with an error.</summary>
public class DockerException(HttpStatusCode statusCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The HTTP status, or 0 when the daemon did not answer.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;
}

/// <summary>The object (container, usually) does not exist: 404 from the daemon.</summary>
public sealed class DockerNotFoundException(string message)
    : DockerException(HttpStatusCode.NotFound, message);

/// <summary>The daemon could not be reached or did not answer in time.</summary>
public sealed class DockerUnavailableException(string host, string message, Exception? innerException = null)
    : DockerException(0, $"Docker daemon at {host} (DOCKER_HOST) is unavailable: {message}", innerException)
{
    public string Host { get; } = host;
}

/// <summary>The daemon speaks only API versions we do not support.</summary>
public sealed class DockerApiVersionException(string message)
    : DockerException(0, message);
