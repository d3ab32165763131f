using Orleans.Monitor.Grains.Docker;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class DockerApiVersionTests
{
    [Theory]
    [InlineData("1.41", 1, 41)]
    [InlineData("1.9", 1, 9)]
    [InlineData("1.52", 1, 52)]
    public void TryParse_ValidVersion_Parses(string text, int major, int minor)
    {
        Assert.True(DockerApiVersion.TryParse(text, out var version));
        Assert.Equal(new DockerApiVersion(major, minor), version);
        Assert.Equal(text, version.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("v1.41")]
    [InlineData("1.x")]
    public void TryParse_Invalid_ReturnsFalse(string? text) => Assert.False(DockerApiVersion.TryParse(text, out _));

    [Fact]
    public void CompareTo_MinorNumbers_ComparesNumerically() => Assert.True(new DockerApiVersion(1, 9) < new DockerApiVersion(1, 10));

    [Fact]
    public void Negotiate_OlderServer_UsesServerVersion() =>
        Assert.Equal(new DockerApiVersion(1, 41), DockerApiVersion.Negotiate(new DockerApiVersion(1, 41)));

    [Fact]
    public void Negotiate_NewerServer_UsesOurMaximum() =>
        Assert.Equal(DockerApiVersion.Maximum, DockerApiVersion.Negotiate(new DockerApiVersion(1, 52)));
}
