using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Monitor.Contracts.Settings;

/// <summary>
/// Duration settings: <c>500ms</c>, <c>1s</c>, <c>10m</c>, <c>2h</c>, <c>30d</c>, or a .NET TimeSpan
/// (<c>[d.]hh:mm:ss[.fff]</c>). A bare number is refused: <c>30</c> would be 30 days to .NET, 30 seconds to a reader.
/// </summary>
public static partial class Duration
{
    /// <summary>The accepted forms, as error messages name them.</summary>
    public const string Forms = "500ms, 1s, 10m, 2h, 30d or hh:mm:ss";

    private static int _converterRegistered;

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();

    /// <summary>Parses a duration in one of the <see cref="Forms"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var value = text?.Trim() ?? string.Empty;
        var match = WithUnit().Match(value);
        if (match.Success)
        {
            var n = double.Parse(match.Groups["n"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var milliseconds = match.Groups["unit"].Value switch
            {
                "ms" => n,
                "s" => n * 1_000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => n * 86_400_000,
            };
            if (milliseconds > TimeSpan.MaxValue.TotalMilliseconds)
            {
                return false;
            }

            duration = TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond));
            return true;
        }

        return value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration);
    }

    /// <summary>The shortest form that states <paramref name="duration"/> exactly: <c>30d</c>, <c>1s</c>, <c>100ms</c>, else <c>hh:mm:ss.fffffff</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        static bool Whole(TimeSpan value, TimeSpan unit) => value.Ticks % unit.Ticks == 0;
        var inv = CultureInfo.InvariantCulture;
        return duration == TimeSpan.Zero ? "0s"
            : duration < TimeSpan.Zero ? duration.ToString("c", inv)
            : Whole(duration, TimeSpan.FromDays(1)) ? ((long)duration.TotalDays).ToString(inv) + "d"
            : Whole(duration, TimeSpan.FromHours(1)) ? ((long)duration.TotalHours).ToString(inv) + "h"
            : Whole(duration, TimeSpan.FromMinutes(1)) ? ((long)duration.TotalMinutes).ToString(inv) + "m"
            : Whole(duration, TimeSpan.FromSeconds(1)) ? ((long)duration.TotalSeconds).ToString(inv) + "s"
            : Whole(duration, TimeSpan.FromMilliseconds(1)) ? ((long)duration.TotalMilliseconds).ToString(inv) + "ms"
            : duration.ToString("c", inv);
    }

    /// <summary>
    /// Makes every TimeSpan setting of this process accept the <see cref="Forms"/>: the configuration binder and the
    /// <c>[Range]</c> checks convert through the type's <see cref="TypeConverter"/>. Call before binding; idempotent.
    /// </summary>
    public static void AcceptInSettings()
    {
        if (Interlocked.Exchange(ref _converterRegistered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }
}

/// <summary>Converts setting strings in <see cref="Duration.Forms"/> to TimeSpan; anything else fails naming the forms.</summary>
public sealed class DurationConverter : TimeSpanConverter
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is not string text)
        {
            return base.ConvertFrom(context, culture, value);
        }

        return Duration.TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{text}' is not a duration: use {Duration.Forms}.");
    }
}
