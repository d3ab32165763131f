using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Api.Auth;

/// <summary>One entry of <c>Auth:ApiKeys</c>: who holds a key, what it may do, and the SHA-256 of the key.</summary>
/// <param name="Name">Who holds the key (shown in logs instead of the key).</param>
/// <param name="Role"><see cref="ApiRoles.Viewer"/> or <see cref="ApiRoles.Operator"/>.</param>
/// <param name="Sha256">The SHA-256 of the key's UTF-8 bytes, 32 bytes (configured as 64 lowercase hex digits).</param>
public sealed record ApiKey(string Name, string Role, byte[] Sha256);

/// <summary>
/// Reads and checks <c>Auth:ApiKeys:N:Name</c>, <c>:Role</c> and <c>:Sha256</c> at start. Keys are required when the
/// Api runs in cluster mode (<c>ConnectionStrings:Redis</c> set) or listens on anything but loopback; without keys
/// (standalone on localhost) every request is an operator's.
/// </summary>
public static class ApiKeySettings
{
    public const string Section = "Auth:ApiKeys";

    /// <summary>The keys of this process, validated.</summary>
    /// <exception cref="InvalidSettingException">An entry is malformed, or keys are required and none is configured; the message names the setting.</exception>
    public static IReadOnlyList<ApiKey> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var keys = new List<ApiKey>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var at = $"{Section}:{entry.Key}";
            var name = entry["Name"];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new InvalidSettingException($"{at}:Name must name who holds the key.");
            }

            var role = entry["Role"];
            if (role is not (ApiRoles.Viewer or ApiRoles.Operator))
            {
                throw new InvalidSettingException($"{at}:Role must be '{ApiRoles.Viewer}' or '{ApiRoles.Operator}', not '{role}'.");
            }

            keys.Add(new ApiKey(name, role, Hash(entry["Sha256"], at + ":Sha256")));
        }

        if (keys.Count == 0 && Required(configuration) is { } why)
        {
            throw new InvalidSettingException(
                $"{Section} is required when {why}: add at least one key (Auth:ApiKeys:0:Name, :Role viewer|operator, "
                + ":Sha256 = printf %s \"$KEY\" | sha256sum).");
        }

        return keys;
    }

    /// <summary>Why keys are required (cluster mode, a listener beyond loopback), or null when they are not.</summary>
    public static string? Required(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (OrleansConfiguration.IsCluster(configuration))
        {
            return $"the Api runs in cluster mode ({OrleansConfiguration.RedisKey} is set)";
        }

        // http_ports/https_ports (ASPNETCORE_HTTP_PORTS, set by the .NET container images) listen on every interface.
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                return $"the Api listens on every interface ({key})";
            }
        }

        var urls = (configuration[SettingsCheck.UrlsKey] ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? string.Empty));
        foreach (var url in urls.Where(u => u.Length > 0))
        {
            if (!IsLoopbackUrl(url))
            {
                return $"the Api listens beyond loopback ({url})";
            }
        }

        return null;
    }

    /// <summary>True for a connection made to a loopback address, or one without a socket (the in-memory test server).</summary>
    public static bool IsLoopback(IHttpConnectionFeature? connection) =>
        connection?.LocalIpAddress is not { } local || IPAddress.IsLoopback(local);

    private static bool IsLoopbackUrl(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    private static byte[] Hash(string? value, string key)
    {
        if (value is not { Length: 64 } || !value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            // Never echo it: someone may have pasted the key itself here.
            throw new InvalidSettingException($"{key} must be the SHA-256 of the key as 64 lowercase hex digits (printf %s \"$KEY\" | sha256sum).");
        }

        return Convert.FromHexString(value);
    }
}
