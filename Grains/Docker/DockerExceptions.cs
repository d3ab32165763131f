using System.Net;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>The Docker daemon answered with an error, or its answer could not be read.</summary>
public class DockerException(HttpStatusCode statusCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The HTTP status, or 0 when the daemon did not answer.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;
}

/// <summary>The object (container, usually) does not exist: 404 from the daemon.</summary>
public sealed class DockerNotFoundException(string message, Exception? innerException = null)
    : DockerException(HttpStatusCode.NotFound, message, innerException);

/// <summary>The daemon could not be reached, did not answer in time, or a stream from it broke.</summary>
public sealed class DockerUnavailableException(string host, string message, Exception? innerException = null)
    : DockerException(0, $"Docker daemon at {host} (DOCKER_HOST) is unavailable: {message}", innerException)
{
    /// <summary>The resolved <c>DOCKER_HOST</c> value that could not be reached.</summary>
    public string Host { get; } = host;
}

/// <summary>
/// A Swarm object was updated with a version that is no longer current (another update came first): dockerd answers
/// 500 with "update out of sequence". Inspect again and retry.
/// </summary>
public sealed class DockerVersionConflictException(string message, Exception? innerException = null)
    : DockerException(HttpStatusCode.InternalServerError, message, innerException)
{
    /// <summary>True for the daemon's message of a stale version.</summary>
    internal static bool Matches(string message) => message.Contains("out of sequence", StringComparison.OrdinalIgnoreCase);
}
