using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Contracts.Settings;

/// <summary>Validation of options classes whose messages name the setting (<c>Sampling:Interval</c>), not the class.</summary>
public static class SettingsValidation
{
    /// <summary>
    /// Checks the options' data annotations (<c>[Range]</c>, <c>[Required]</c>), each failure naming
    /// <paramref name="section"/>:<c>Property</c> and what it accepts. Replaces <c>ValidateDataAnnotations()</c>,
    /// whose message names the class and its member.
    /// </summary>
    public static OptionsBuilder<TOptions> ValidateSettings<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new NamedSettingsValidator<TOptions>(section));
        return builder;
    }
}

/// <summary>Runs the data annotations of <typeparamref name="TOptions"/> and phrases failures by configuration key.</summary>
internal sealed class NamedSettingsValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(options);
            foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!rule.IsValid(value))
                {
                    failures.Add(Describe($"{section}:{property.Name}", rule, value));
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Describe(string key, ValidationAttribute rule, object? value) => rule switch
    {
        RangeAttribute range => $"{key} must be from {Show(range.Minimum)} to {Show(range.Maximum)}, not {Show(value)}"
            + (value is TimeSpan ? $" (durations: {Duration.Forms})." : "."),
        RequiredAttribute => $"{key} must be set.",
        _ => $"{key}: {rule.FormatErrorMessage(key)}",
    };

    private static string Show(object? value) => value switch
    {
        TimeSpan duration => Duration.Format(duration),
        string text when Duration.TryParse(text, out var duration) => Duration.Format(duration),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "nothing",
    };
}
