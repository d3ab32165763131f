namespace Orleans.Monitor.Storage;

/// <summary>A storage setting is wrong or its database cannot be used; the message names the setting.</summary>
public sealed class StorageConfigurationException : Exception
{
    public StorageConfigurationException()
    {
    }

    public StorageConfigurationException(string message)
        : base(message)
    {
    }

    public StorageConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
