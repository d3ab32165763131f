using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Grains.Containers;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.UnitTests.Settings;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 0, 0, 0, 500)]
    [InlineData("1s", 0, 0, 1, 0)]
    [InlineData("1.5s", 0, 0, 1, 500)]
    [InlineData("10m", 0, 10, 0, 0)]
    [InlineData("2h", 2, 0, 0, 0)]
    [InlineData("30d", 720, 0, 0, 0)]
    [InlineData("00:00:30", 0, 0, 30, 0)]
    [InlineData("00:00:00.200", 0, 0, 0, 200)]
    [InlineData("30.00:00:00", 720, 0, 0, 0)]
    [InlineData(" 1s ", 0, 0, 1, 0)]
    public void TryParse_AcceptedForm_GivesTheDuration(string text, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(new TimeSpan(0, hours, minutes, seconds, milliseconds), duration);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("1x")]
    [InlineData("1 s")]
    [InlineData("1S")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("s")]
    [InlineData("99999999999999d")]
    public void TryParse_OtherText_Refused(string? text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("30d")]
    [InlineData("2h")]
    [InlineData("10m")]
    [InlineData("1s")]
    [InlineData("500ms")]
    [InlineData("0s")]
    public void Format_WholeUnit_RoundTrips(string text)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(text, Duration.Format(duration));
    }

    [Fact]
    public void Binder_AfterAcceptInSettings_BindsEveryFormAndNamesTheKeyOfABadOne()
    {
        Duration.AcceptInSettings();
        var good = Bind(new() { ["Sampling:Interval"] = "500ms", ["Sampling:Window"] = "00:05:00" });
        Assert.Equal(TimeSpan.FromMilliseconds(500), good.Interval);
        Assert.Equal(TimeSpan.FromMinutes(5), good.Window);

        var failure = Assert.ThrowsAny<Exception>(() => Bind(new() { ["Sampling:Interval"] = "1x" }));
        Assert.True(InvalidSettingException.IsBadSetting(failure));
        Assert.Equal("Sampling:Interval: '1x' is not a duration: use 500ms, 1s, 10m, 2h, 30d or hh:mm:ss.", InvalidSettingException.OneLine(failure));
    }

    [Fact]
    public void ValidateSettings_OutOfRange_NamesTheKeyAndTheRangeAsDurations()
    {
        Duration.AcceptInSettings();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sampling:Interval"] = "10ms" }).Build();
        var services = new ServiceCollection();
        services.AddOptions<SamplingOptions>().Bind(configuration.GetSection("Sampling")).ValidateSettings("Sampling");
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SamplingOptions>>().Value);
        Assert.Equal(
            "Sampling:Interval must be from 100ms to 1m, not 10ms (durations: 500ms, 1s, 10m, 2h, 30d or hh:mm:ss).",
            InvalidSettingException.OneLine(failure));
    }

    private static SamplingOptions Bind(Dictionary<string, string?> values)
    {
        var options = new SamplingOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Sampling").Bind(options);
        return options;
    }
}
