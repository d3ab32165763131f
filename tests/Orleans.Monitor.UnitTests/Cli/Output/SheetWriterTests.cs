using System.Text.Json;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.UnitTests.Cli.Output;

public sealed class SheetWriterTests
{
    private sealed record Item(string Name, double? Cpu, DateTimeOffset At, bool Flag);

    private static readonly IReadOnlyList<Column<Item>> Columns =
    [
        new("name", "NAME", i => i.Name),
        new("cpuPercent", "CPU %", i => i.Cpu, i => i.Cpu is { } c ? Units.Percent(c) : "-", Right: true),
        new("at", "AT", i => i.At),
        new("flag", "FLAG", i => i.Flag, InTable: false),
    ];

    private static readonly Item[] Items =
    [
        new("plain", 12.5, new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), true),
        new("with,comma \"quoted\"", null, new DateTimeOffset(2026, 11, 21, 12, 1, 0, TimeSpan.Zero), false),
    ];

    [Fact]
    public void ToCsv_CommaAndQuote_QuotedPerRfc4180WithRawValues()
    {
        var csv = SheetWriter.ToCsv(Columns, Items);

        Assert.Equal(
            "name,cpuPercent,at,flag\r\n"
            + "plain,12.5,2026-11-21T12:00:00.0000000+00:00,true\r\n"
            + "\"with,comma \"\"quoted\"\"\",,2026-11-21T12:01:00.0000000+00:00,false\r\n",
            csv);
    }

    [Fact]
    public void ToJson_Rows_ObjectsWithRawNumbersNullsAndIsoTimes()
    {
        var rows = JsonDocument.Parse(SheetWriter.ToJson(Columns, Items)).RootElement;

        Assert.Equal(2, rows.GetArrayLength());
        Assert.Equal(12.5, rows[0].GetProperty("cpuPercent").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("cpuPercent").ValueKind);
        Assert.Equal(Items[0].At, rows[0].GetProperty("at").GetDateTimeOffset());
        Assert.True(rows[0].GetProperty("flag").GetBoolean());
        Assert.Equal(Items[1].Name, rows[1].GetProperty("name").GetString());
    }

    [Fact]
    public void ToTable_ColumnOnlyForScripts_LeftOutOfTheTable()
    {
        var table = SheetWriter.ToTable(Columns, Items);

        Assert.Equal(3, table.Columns.Count);
        Assert.Equal(2, table.Rows.Count);
    }

    [Theory]
    [InlineData(0d, "0 B")]
    [InlineData(1023d, "1023 B")]
    [InlineData(1536d, "1.5 KiB")]
    [InlineData(67_108_864d, "64.0 MiB")]
    public void Bytes_Value_BinaryUnits(double bytes, string expected) => Assert.Equal(expected, Units.Bytes(bytes));
}
