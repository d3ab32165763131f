using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Metrics.Hosting;
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
            // The silo's metrics listener starts with the host, after Docker answered and Orleans started: check it first.
            var metrics = MetricsSettings.Read(configuration);
            if (metrics.Enabled && IsHeld(IPAddress.Any, metrics.Port))
            {
                throw new InvalidSettingException($"{MetricsSettings.PortKey} ({metrics.Port}) is already in use by another process.");
            }

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

    /// <summary><c>urls</c>: absolute http or https URLs separated by ';', each with a port from 0 to 65535 that no other process listens on.</summary>
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

            if (IsHeld(BindingAddress.Parse(url)))
            {
                throw new InvalidSettingException($"{UrlsKey} (--urls or ASPNETCORE_URLS): {url} is already in use by another process.");
            }
        }
    }

    /// <summary>
    /// True for Kestrel's failure to bind a listening URL another process already listens on: like a taken silo port,
    /// a setting that cannot be used, reported in one line (<see cref="ListenAddressInUse"/>) rather than as a crash.
    /// </summary>
    public static bool IsListenAddressInUse(Exception exception) =>
        exception is IOException { InnerException: AddressInUseException };

    /// <summary>The one line for <see cref="IsListenAddressInUse"/>: the setting and Kestrel's message, which names the address.</summary>
    public static string ListenAddressInUse(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return $"{UrlsKey} (--urls or ASPNETCORE_URLS): {exception.Message}".ReplaceLineEndings(" ");
    }

    /// <summary>
    /// True when another process already listens on the URL's address and port (Kestrel would fail to bind it after
    /// the host had started). Any other bind failure is left for Kestrel to report.
    /// </summary>
    private static bool IsHeld(BindingAddress address)
    {
        if (address.Port == 0 || address.IsUnixPipe)
        {
            return false;
        }

        var host = address.Host.Trim('[', ']');
        var ip = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : IPAddress.Any;
        return IsHeld(ip, address.Port);
    }

    private static bool IsHeld(IPAddress ip, int port)
    {
        using var probe = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // As Kestrel binds: a port with only closed connections in TIME_WAIT is free.
            probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            probe.Bind(new IPEndPoint(ip, port));
            return false;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.AddressAlreadyInUse;
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
