using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.UnitTests.Cli.Output;

public sealed class DurationTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604_800)]
    [InlineData("90m", 5400)]
    public void TryParse_NumberAndUnit_Parses(string text, int seconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("0m")]
    [InlineData("1w")]
    [InlineData("-1m")]
    [InlineData("1.5h")]
    [InlineData(" 1m")]
    [InlineData("1H")]
    [InlineData("01:00:00")]
    public void TryParse_OtherForms_Rejected(string? text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(60, "1m")]
    [InlineData(300, "5m")]
    [InlineData(5400, "90m")]
    [InlineData(3600, "1h")]
    [InlineData(86_400, "1d")]
    [InlineData(30, "30s")]
    public void Format_WholeUnits_ShortestExactForm(int seconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromSeconds(seconds)));
}
