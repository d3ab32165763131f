using System.CommandLine;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary>An option holding a <see cref="Duration"/> (<c>30s</c>, <c>10m</c>, <c>2h</c>, <c>7d</c>); anything else is a usage error.</summary>
public static class DurationOption
{
    public static Option<TimeSpan> Create(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} [{Duration.Forms}; default {Duration.Format(defaultValue)}]",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            if (Duration.TryParse(text, out var duration))
            {
                return duration;
            }

            result.AddError($"{name} must be {Duration.Forms}, not '{text}'.");
            return defaultValue;
        },
    };
}
