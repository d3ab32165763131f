using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Settings;

namespace Orleans.Monitor.Storage;

/// <summary>A setting is wrong or what it points at cannot be used; the message names the setting. Processes exit with code 2 on it.</summary>
public sealed partial class InvalidSettingException : Exception
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

    /// <summary>True for every exception that means a bad setting: ours, an options validation, a binder failure.</summary>
    public static bool IsBadSetting(Exception exception) =>
        exception is InvalidSettingException or OptionsValidationException
        || IsBindingFailure(exception)
        || (exception is AggregateException { InnerExceptions.Count: > 0 } all && all.InnerExceptions.All(IsBadSetting));

    /// <summary>
    /// The one line a process prints for a bad setting: the setting, the value and the accepted forms, never a type
    /// name or a stack trace (<c>Sampling:Interval: '1x' is not a duration: use 500ms, 1s, ... or hh:mm:ss.</c>).
    /// </summary>
    public static string OneLine(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception switch
        {
            AggregateException all => string.Join(" ", all.InnerExceptions.Select(OneLine)),
            OptionsValidationException validation => string.Join(" ", validation.Failures),
            _ when IsBindingFailure(exception) => DescribeBindingFailure(exception),
            _ => exception.Message,
        };
        return text.ReplaceLineEndings(" ");
    }

    private static string DescribeBindingFailure(Exception exception)
    {
        var match = FailedBinding().Match(exception.Message);
        if (!match.Success)
        {
            return exception.Message;
        }

        var value = match.Groups["value"].Value;
        var key = match.Groups["key"].Value;
        var type = Type.GetType(match.Groups["type"].Value);
        var accepted = type switch
        {
            _ when type == typeof(TimeSpan) => $"a duration: use {Duration.Forms}",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) => "a number",
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ => null,
        };
        return accepted is null
            ? $"{key}: '{value}' cannot be used: {exception.GetBaseException().Message}"
            : $"{key}: '{value}' is not {accepted}.";
    }

    // The configuration binder's message (Microsoft.Extensions.Configuration.Binder, Error_FailedBinding).
    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex FailedBinding();
}
