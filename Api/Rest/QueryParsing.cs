using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// Parses query and route values by hand so that bad input gets a problem response naming the parameter,
/// never a binder exception or a 500.
/// </summary>
internal static partial class QueryParsing
{
    public const int MinimumIdPrefix = 12;

    private static readonly TimeSpan[] AllowedSteps =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromDays(1)];

    [GeneratedRegex("^[0-9a-f]{12,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerIdPattern();

    [GeneratedRegex("^[A-Za-z0-9:._-]{1,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex HostIdPattern();

    [GeneratedRegex("^(?<n>[0-9]{1,4})(?<u>[mhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex StepPattern();

    public static bool IsContainerId(string value) => ContainerIdPattern().IsMatch(value);

    public static bool IsHostId(string value) => HostIdPattern().IsMatch(value);

    public static bool TryParseStep(string? value, out TimeSpan step)
    {
        step = TimeSpan.FromMinutes(1);
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        var match = StepPattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        var n = int.Parse(match.Groups["n"].ValueSpan, CultureInfo.InvariantCulture);
        step = match.Groups["u"].Value switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
        return AllowedSteps.Contains(step);
    }

    public static bool TryParseTime(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    public static string StepText(TimeSpan step) =>
        step.TotalDays >= 1 ? $"{step.TotalDays:0}d" : step.TotalHours >= 1 ? $"{step.TotalHours:0}h" : $"{step.TotalMinutes:0}m";
}
