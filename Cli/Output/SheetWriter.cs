using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Orleans.Monitor.Cli.Output;

/// <summary>Writes rows as a table, JSON or CSV; the three forms share one list of <see cref="Column{T}"/>.</summary>
public static class SheetWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write<T>(OutputFormat format, IReadOnlyList<Column<T>> columns, IReadOnlyList<T> rows, IAnsiConsole console, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(output);
        switch (format)
        {
            case OutputFormat.Json:
                output.WriteLine(ToJson(columns, rows));
                break;
            case OutputFormat.Csv:
                output.Write(ToCsv(columns, rows));
                break;
            default:
                console.Write(ToTable(columns, rows));
                break;
        }
    }

    /// <summary>Columns without borders, as <c>docker ps</c> prints them (and as <c>awk</c> reads them).</summary>
    public static Table ToTable<T>(IReadOnlyList<Column<T>> columns, IEnumerable<T> rows, Func<Column<T>, bool>? highlight = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var shown = columns.Where(c => c.InTable).ToList();
        var table = new Table().Border(TableBorder.None);
        foreach (var column in shown)
        {
            var style = highlight?.Invoke(column) == true ? new Style(decoration: Decoration.Bold | Decoration.Invert) : new Style(decoration: Decoration.Bold);
            var header = new TableColumn(new Text(column.Header, style)) { NoWrap = true, Padding = new Padding(0, 0, 2, 0) };
            table.AddColumn(column.Right ? header.RightAligned() : header);
        }

        foreach (var row in rows)
        {
            table.AddRow([.. shown.Select(c => new Text(c.DisplayText(row)).Overflow(Overflow.Ellipsis))]);
        }

        return table;
    }

    public static string ToJson<T>(IReadOnlyList<Column<T>> columns, IEnumerable<T> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var objects = rows.Select(row => columns.ToDictionary(c => c.Name, c => c.Value(row))).ToList();
        return JsonSerializer.Serialize(objects, Json);
    }

    public static string ToCsv<T>(IReadOnlyList<Column<T>> columns, IEnumerable<T> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var csv = new StringBuilder();
        csv.AppendJoin(',', columns.Select(c => Quote(c.Name))).Append("\r\n");
        foreach (var row in rows)
        {
            csv.AppendJoin(',', columns.Select(c => Quote(Invariant(c.Value(row))))).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>A raw value as text in scripts' terms: invariant numbers, ISO-8601 times, lower-case booleans, null as empty.</summary>
    public static string Invariant(object? value) => value switch
    {
        null => "",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
