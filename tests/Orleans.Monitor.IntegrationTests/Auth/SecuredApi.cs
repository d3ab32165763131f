using System.Security.Cryptography;
using System.Text;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Auth;

/// <summary>
/// A standalone Api on Kestrel (127.0.0.1:0) with a viewer and an operator key configured, so it checks keys even on
/// loopback. Its Docker host is a socket nobody listens on: every endpoint answers without one (hosts are listed as
/// they become known), and no engine has to start.
/// </summary>
public sealed class SecuredApi : IAsyncLifetime, IDisposable
{
    public const string ViewerKey = "viewer-0123456789abcdef";
    public const string OperatorKey = "operator-fedcba9876543210";

    private readonly string _socketFolder = Path.Combine(Path.GetTempPath(), "omauth-" + Guid.NewGuid().ToString("N")[..8]);
    private MonitorApp? _app;

    public MonitorApp App => _app ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>Lowercase hex SHA-256 of a key, as <c>printf %s "$KEY" | sha256sum</c> prints it.</summary>
    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary><c>Auth:ApiKeys</c> with one viewer and one operator key.</summary>
    public static Dictionary<string, string?> KeySettings() => new()
    {
        ["Auth:ApiKeys:0:Name"] = "dashboard",
        ["Auth:ApiKeys:0:Role"] = "viewer",
        ["Auth:ApiKeys:0:Sha256"] = Sha256(ViewerKey),
        ["Auth:ApiKeys:1:Name"] = "ops",
        ["Auth:ApiKeys:1:Role"] = "operator",
        ["Auth:ApiKeys:1:Sha256"] = Sha256(OperatorKey),
    };

    /// <summary>A client that sends <paramref name="key"/> as <c>Authorization: Bearer</c>, or no key when null.</summary>
    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = App.ServerAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_socketFolder);
        _app = new MonitorApp("unix://" + Path.Combine(_socketFolder, "docker.sock"), kestrel: true, KeySettings()) { ApiKey = ViewerKey };
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_socketFolder, recursive: true);
    }

    public void Dispose() => _app?.Dispose();
}
