namespace Orleans.Monitor.Grains.Runtime;

/// <summary>
/// The grain's mailbox stayed full for the whole call timeout; the analogue of Orleans' <c>LimitExceededException</c>.
/// </summary>
public sealed class GrainOverloadedException : Exception
{
    public GrainOverloadedException()
    {
    }

    public GrainOverloadedException(string message)
        : base(message)
    {
    }

    public GrainOverloadedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A call lost the race with deactivation twice and was not forwarded again.</summary>
public sealed class GrainDeactivatedException : Exception
{
    public GrainDeactivatedException()
    {
    }

    public GrainDeactivatedException(string message)
        : base(message)
    {
    }

    public GrainDeactivatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// What a grain works on no longer exists (e.g. its container was removed); a supervisor stops it for good
/// instead of restarting it.
/// </summary>
public sealed class GrainTargetGoneException : Exception
{
    public GrainTargetGoneException()
    {
    }

    public GrainTargetGoneException(string message)
        : base(message)
    {
    }

    public GrainTargetGoneException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
