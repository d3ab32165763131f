using Microsoft.Extensions.Configuration;
using Orleans.Monitor.Api.Auth;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.IntegrationTests.Auth;

/// <summary><c>Auth:ApiKeys</c> read and checked at start: malformed entries and missing keys name the setting.</summary>
public sealed class ApiKeySettingsTests
{
    private static readonly string ViewerHash = SecuredApi.Sha256(SecuredApi.ViewerKey);

    public static TheoryData<string, string?, string?, string?, string> BadEntries => new()
    {
        { "no name", null, "viewer", ViewerHash, "Auth:ApiKeys:0:Name" },
        { "unknown role", "ops", "admin", ViewerHash, "Auth:ApiKeys:0:Role" },
        { "no role", "ops", null, ViewerHash, "Auth:ApiKeys:0:Role" },
        { "uppercase hash", "ops", "viewer", ViewerHash.ToUpperInvariant(), "Auth:ApiKeys:0:Sha256" },
        { "short hash", "ops", "viewer", ViewerHash[..63], "Auth:ApiKeys:0:Sha256" },
        { "the key itself", "ops", "viewer", SecuredApi.ViewerKey, "Auth:ApiKeys:0:Sha256" },
        { "no hash", "ops", "operator", null, "Auth:ApiKeys:0:Sha256" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Read_MalformedEntry_ThrowsNamingTheSettingWithoutEchoingTheValue(string what, string? name, string? role, string? sha256, string setting)
    {
        var configuration = Configuration(new()
        {
            ["Auth:ApiKeys:0:Name"] = name,
            ["Auth:ApiKeys:0:Role"] = role,
            ["Auth:ApiKeys:0:Sha256"] = sha256,
        });

        var error = Assert.Throws<InvalidSettingException>(() => ApiKeySettings.Read(configuration));

        Assert.StartsWith(setting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecuredApi.ViewerKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ViewerHash[..20], error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Theory]
    [InlineData("ConnectionStrings:Redis", "redis:6379", "cluster mode")]
    [InlineData("urls", "http://0.0.0.0:5000", "http://0.0.0.0:5000")]
    [InlineData("urls", "http://localhost:5000;http://*:5001", "http://*:5001")]
    [InlineData("urls", "http://10.1.2.3:5000", "http://10.1.2.3:5000")]
    [InlineData("http_ports", "8080", "http_ports")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://[::]:5000", "http://[::]:5000")]
    public void Read_NoKeysInClusterOrBeyondLoopback_ThrowsNamingAuthApiKeys(string key, string value, string why)
    {
        var error = Assert.Throws<InvalidSettingException>(() => ApiKeySettings.Read(Configuration(new() { [key] = value })));

        Assert.StartsWith("Auth:ApiKeys is required when", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://localhost:5000")]
    [InlineData("http://127.0.0.1:0;http://[::1]:5001")]
    public void Read_NoKeysOnLoopbackStandalone_ReturnsNoKeys(string? urls)
    {
        Assert.Empty(ApiKeySettings.Read(Configuration(new() { ["urls"] = urls })));
    }

    [Fact]
    public void Read_ValidEntries_ReturnsNamesRolesAndHashBytes()
    {
        var configuration = Configuration(new(SecuredApi.KeySettings()) { ["ConnectionStrings:Redis"] = "redis:6379" });

        var keys = ApiKeySettings.Read(configuration);

        Assert.Equal(["dashboard:viewer", "ops:operator"], keys.Select(k => $"{k.Name}:{k.Role}"));
        Assert.Equal(Convert.FromHexString(ViewerHash), keys[0].Sha256);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
