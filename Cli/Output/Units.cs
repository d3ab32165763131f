using System.Globalization;

namespace Orleans.Monitor.Cli.Output;

/// <summary>Human forms of the Api's raw numbers for tables (scripts get the raw numbers in JSON and CSV).</summary>
public static class Units
{
    private static readonly string[] Prefixes = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Bytes(double bytes)
    {
        var unit = 0;
        var value = Math.Abs(bytes);
        while (value >= 1024 && unit < Prefixes.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var sign = bytes < 0 ? "-" : "";
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{value:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{value:0.0} {Prefixes[unit]}");
    }

    public static string Rate(double bytesPerSecond) => Bytes(bytesPerSecond) + "/s";

    public static string Percent(double percent) => percent.ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>Local time of day when the moment is today, else the local date and time.</summary>
    public static string Time(DateTimeOffset time, DateTimeOffset now)
    {
        var local = time.ToLocalTime();
        return local.Date == now.ToLocalTime().Date
            ? local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }
}
