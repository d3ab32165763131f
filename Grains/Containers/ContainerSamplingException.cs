namespace Orleans.Monitor.Grains.Containers;

/// <summary>A container grain failed to sample repeatedly and asks its host grain for a supervised restart.</summary>
public sealed class ContainerSamplingException : Exception
{
    public ContainerSamplingException()
    {
    }

    public ContainerSamplingException(string message)
        : base(message)
    {
    }

    public ContainerSamplingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
