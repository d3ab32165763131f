using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Orleans.Monitor.Storage;
using StackExchange.Redis;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// The Orleans settings of a process, read and checked once at start; a bad value throws
/// <see cref="InvalidSettingException"/> naming the setting (the process exits with code 2).
/// </summary>
/// <param name="Redis">Parsed <c>ConnectionStrings:Redis</c>; null means standalone (localhost clustering).</param>
public sealed record OrleansSettings(
    ConfigurationOptions? Redis,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort,
    IPAddress AdvertisedIPAddress,
    bool Dashboard)
{
    public const string RedisKey = "ConnectionStrings:Redis";
    public const string SiloPortKey = "Orleans:Endpoints:SiloPort";
    public const string GatewayPortKey = "Orleans:Endpoints:GatewayPort";
    public const string AdvertisedIPAddressKey = "Orleans:Endpoints:AdvertisedIPAddress";
    public const string DefaultId = "orleans-monitor";

    public bool IsCluster => Redis is not null;

    public static OrleansSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var redis = configuration[RedisKey];
        ConfigurationOptions? parsed = null;
        if (!string.IsNullOrWhiteSpace(redis))
        {
            try
            {
                parsed = ConfigurationOptions.Parse(redis);
            }
            catch (ArgumentException ex)
            {
                // The string itself may hold a password: name the setting, never echo it.
                throw new InvalidSettingException($"{RedisKey} is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }

            if (parsed.EndPoints.Count == 0)
            {
                throw new InvalidSettingException($"{RedisKey} names no Redis endpoint (expected e.g. 'redis:6379').");
            }

            if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Monitor")))
            {
                throw new InvalidSettingException($"{StorageOptions.ConnectionStringKey} (PostgreSQL) is required in cluster mode ({RedisKey} is set).");
            }

            // Orleans retries on its own; a silo or client must not die because Redis blinked at start.
            parsed.AbortOnConnectFail = false;
        }

        return new OrleansSettings(
            parsed,
            Name(configuration, "Orleans:ClusterId"),
            Name(configuration, "Orleans:ServiceId"),
            Port(configuration, SiloPortKey, 11111),
            Port(configuration, GatewayPortKey, 30000),
            Address(configuration),
            Flag(configuration, "Orleans:Dashboard"));
    }

    /// <summary>
    /// Fails when another process listens on a port this silo needs: Orleans' listener would share it silently and
    /// connections would be spread over both processes.
    /// </summary>
    public void EnsurePortsFree(bool gateway)
    {
        EnsureFree(SiloPort, SiloPortKey);
        if (gateway)
        {
            EnsureFree(GatewayPort, GatewayPortKey);
        }
    }

    private static void EnsureFree(int port, string key)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Any, port));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidSettingException($"{key} ({port}) is already in use by another process.");
        }
    }

    private static string Name(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        if (value is null)
        {
            return DefaultId;
        }

        return string.IsNullOrWhiteSpace(value) ? throw new InvalidSettingException($"{key} must not be empty.") : value;
    }

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration[key];
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new InvalidSettingException($"{key} must be a TCP port from 1 to 65535, not '{value}'.");
    }

    private static bool Flag(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        if (value is null)
        {
            return false;
        }

        return bool.TryParse(value, out var flag) ? flag : throw new InvalidSettingException($"{key} must be true or false, not '{value}'.");
    }

    private static IPAddress Address(IConfiguration configuration)
    {
        var value = configuration[AdvertisedIPAddressKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return PrimaryAddress();
        }

        return IPAddress.TryParse(value, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? address
            : throw new InvalidSettingException($"{AdvertisedIPAddressKey} must be the IP address other silos and clients reach this one at, not '{value}'.");
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback; loopback when there is none.</summary>
    private static IPAddress PrimaryAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;
}
