using Microsoft.Extensions.Configuration;
using Orleans.Monitor.Metrics.Hosting;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.UnitTests.Metrics.Hosting;

public sealed class MetricsSettingsTests
{
    [Fact]
    public void Read_NothingSet_OffOnTheDefaultPortWithComposeAndSwarmLabels()
    {
        var settings = MetricsSettings.Read(Config());

        Assert.Equal((false, 9464), (settings.Enabled, settings.Port));
        Assert.Equal(["com.docker.compose.project", "com.docker.compose.service", "com.docker.swarm.service.name"], settings.Labels.ToArray());
    }

    [Fact]
    public void Read_EnabledWithPortAndCommaSeparatedLabels_TakesThem()
    {
        var settings = MetricsSettings.Read(Config(("Metrics:Enabled", "true"), ("Metrics:Port", "9100"), ("Metrics:Labels", "team, com.example.tier")));

        Assert.Equal((true, 9100), (settings.Enabled, settings.Port));
        Assert.Equal(["team", "com.example.tier"], settings.Labels.ToArray());
    }

    [Fact]
    public void Read_LabelsAsAList_TakesThemAndAnEmptyValueMeansNone()
    {
        Assert.Equal(["a", "b"], MetricsSettings.Read(Config(("Metrics:Labels:0", "a"), ("Metrics:Labels:1", "b"))).Labels.ToArray());
        Assert.Empty(MetricsSettings.Read(Config(("Metrics:Labels", ""))).Labels);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("9464x")]
    [InlineData("http")]
    public void Read_BadPort_ThrowsNamingTheSetting(string port)
    {
        var error = Assert.Throws<InvalidSettingException>(() => MetricsSettings.Read(Config(("Metrics:Port", port))));

        Assert.StartsWith("Metrics:Port must be a TCP port", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{port}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadEnabled_ThrowsNamingTheSetting() =>
        Assert.StartsWith("Metrics:Enabled", Assert.Throws<InvalidSettingException>(() => MetricsSettings.Read(Config(("Metrics:Enabled", "yes")))).Message, StringComparison.Ordinal);

    [Fact]
    public void Read_TwoLabelsThatBecomeTheSameSeriesLabel_Throws() =>
        Assert.StartsWith("Metrics:Labels", Assert.Throws<InvalidSettingException>(() => MetricsSettings.Read(Config(("Metrics:Labels", "a.b,a-b")))).Message, StringComparison.Ordinal);

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
