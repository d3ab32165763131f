namespace Orleans.Monitor.Storage;

/// <summary>A setting is wrong or what it points at cannot be used; the message names the setting. Processes exit with code 2 on it.</summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException()
    {
    }

    public InvalidSettingException(string message)
        : base(message)
    {
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
