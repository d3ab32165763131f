using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// Checks every setting a process reads before anything starts (no listener bound, no Docker call, no host built):
/// a bad one throws with a message naming it, and the process prints that one line and exits with code 2, whether
/// the daemon answers or not. Without it, a setting of a co-hosted silo was found only once Docker answered, after
/// Kestrel had bound, and the host logged it with a stack trace.
/// </summary>
public static class SettingsCheck
{
    /// <summary>The key of <c>--urls</c> and <c>ASPNETCORE_URLS</c>.</summary>
    public const string UrlsKey = "urls";

    /// <summary>
    /// Binds and validates the settings of Orleans, the listening URLs, the store and, when
    /// <paramref name="silo"/>, of the silo (Docker, stats source, sampling, host watch, membership);
    /// <paramref name="more"/> registers the caller's own options.
    /// </summary>
    /// <exception cref="InvalidSettingException">A setting is malformed; the message names it.</exception>
    /// <exception cref="OptionsValidationException">An options class refuses a value; the message names the setting.</exception>
    public static void Validate(IConfiguration configuration, bool silo, Action<IHostApplicationBuilder>? more = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Duration.AcceptInSettings();
        OrleansConfiguration.Validate(configuration);
        ValidateUrls(configuration);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.AddMonitorStorage();
        if (silo)
        {
            builder.AddSiloSettings();
            if (OrleansConfiguration.IsCluster(configuration))
            {
                builder.Services.AddOptions<ClusterMembershipOptions>()
                    .Bind(configuration.GetSection(OrleansConfiguration.MembershipSection))
                    .ValidateOnStart();
            }
        }

        more?.Invoke(builder);
        using var provider = builder.Services.BuildServiceProvider();
        provider.GetService<IStartupValidator>()?.Validate();
    }

    /// <summary><c>urls</c>: absolute http or https URLs separated by ';', each with a port from 0 to 65535.</summary>
    /// <exception cref="InvalidSettingException">One is not; Kestrel would fail on it with an unhandled exception.</exception>
    public static void ValidateUrls(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[UrlsKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        foreach (var url in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsListenUrl(url))
            {
                throw new InvalidSettingException(
                    $"{UrlsKey} (--urls or ASPNETCORE_URLS): '{url}' is not a URL to listen on: use http://HOST:PORT, e.g. http://0.0.0.0:5000 "
                    + "(port 0: any free port), several separated by ';'.");
            }
        }
    }

    private static bool IsListenUrl(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        return address.Scheme is "http" or "https" && !string.IsNullOrEmpty(address.Host) && address.Port is >= 0 and <= 65535;
    }
}
