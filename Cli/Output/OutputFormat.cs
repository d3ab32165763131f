namespace Orleans.Monitor.Cli.Output;

/// <summary>How a command prints its rows: <c>--output table|json|csv</c>.</summary>
public enum OutputFormat
{
    /// <summary>Aligned columns with human units, for people.</summary>
    Table,

    /// <summary>An indented JSON array of objects with camelCase names and raw numbers (bytes, bytes per second, percent).</summary>
    Json,

    /// <summary>RFC 4180 CSV: a header of the JSON names, then one line per row with the same raw values.</summary>
    Csv,
}
