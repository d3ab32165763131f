namespace Orleans.Monitor.Cli;

/// <summary>The process exit codes of <c>orleans-monitor</c>, for scripts (README, "The CLI").</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The Api answered with an error: an unknown id, a bad parameter, a missing endpoint (its problem detail is printed).</summary>
    public const int ApiError = 1;

    /// <summary>Bad usage: an unknown command or option, a malformed duration or URL.</summary>
    public const int Usage = 2;

    /// <summary>The Api could not be reached (connection refused, no answer in time, the live stream lost for good).</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it); <c>top</c> leaves with <see cref="Ok"/> instead.</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure the user gets as one line on stderr and an exit code from <see cref="ExitCodes"/>.</summary>
public sealed class CliException(int exitCode, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}
