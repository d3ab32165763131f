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

    /// <summary>
    /// True for the configuration binder's failure to convert a value (e.g. <c>30s</c> for a TimeSpan setting): its
    /// message names the setting and the value, so the process reports it like any other bad setting.
    /// </summary>
    public static bool IsBindingFailure(Exception exception) =>
        exception is InvalidOperationException { InnerException: not null } failure
        && failure.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);
}
