namespace Orleans.Monitor.Cli.Output;

/// <summary>
/// One column of a command's output: <paramref name="Name"/> and the raw <paramref name="Value"/> for JSON and CSV,
/// <paramref name="Header"/> and the human <paramref name="Display"/> for tables.
/// </summary>
/// <param name="Display">The table text; the raw value in invariant culture when null.</param>
/// <param name="Right">Right-aligned in tables (numbers).</param>
/// <param name="InTable">False for values only scripts need (a daemon ID is too wide for a table).</param>
public sealed record Column<T>(string Name, string Header, Func<T, object?> Value, Func<T, string>? Display = null, bool Right = false, bool InTable = true)
{
    public string DisplayText(T row) => Display is { } display ? display(row) : SheetWriter.Invariant(Value(row));
}
