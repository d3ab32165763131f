using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Monitor.Cli.Output;

/// <summary>Durations as people type them: a whole number and a unit, <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>7d</c>.</summary>
public static partial class Duration
{
    public const string Forms = "a whole number and a unit s, m, h or d (30s, 10m, 2h, 7d)";

    [GeneratedRegex("^(?<n>[0-9]{1,6})(?<u>[smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses <paramref name="text"/>; zero is rejected (no range or step is empty).</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var match = Pattern().Match(text ?? "");
        if (!match.Success)
        {
            return false;
        }

        var n = int.Parse(match.Groups["n"].ValueSpan, CultureInfo.InvariantCulture);
        duration = match.Groups["u"].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
        return n > 0;
    }

    /// <summary>The shortest exact form, e.g. 90 minutes is <c>90m</c> and 2 hours <c>2h</c> (the Api's step syntax).</summary>
    public static string Format(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerDay == 0 ? Invariant(duration.TotalDays, "d")
        : duration.Ticks % TimeSpan.TicksPerHour == 0 ? Invariant(duration.TotalHours, "h")
        : duration.Ticks % TimeSpan.TicksPerMinute == 0 ? Invariant(duration.TotalMinutes, "m")
        : Invariant(Math.Ceiling(duration.TotalSeconds), "s");

    private static string Invariant(double value, string unit) => value.ToString("0", CultureInfo.InvariantCulture) + unit;
}
