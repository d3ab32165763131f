using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Monitor.Storage;
using StackExchange.Redis;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// Binds the monitor's Orleans settings to Orleans' own options: <c>Orleans:ClusterId</c>/<c>ServiceId</c> to
/// <see cref="ClusterOptions"/>, <c>Orleans:Endpoints:*</c> to <see cref="EndpointOptions"/>,
/// <c>Orleans:Membership:*</c> to <see cref="ClusterMembershipOptions"/>, <c>ConnectionStrings:Redis</c> to Redis
/// clustering. <see cref="Validate"/> checks every value at process start; a bad one throws
/// <see cref="InvalidSettingException"/> naming the setting (exit code 2).
/// </summary>
public static class OrleansConfiguration
{
    public const string RedisKey = "ConnectionStrings:Redis";
    public const string Section = "Orleans";
    public const string EndpointsSection = "Orleans:Endpoints";
    public const string SiloPortKey = "Orleans:Endpoints:SiloPort";
    public const string GatewayPortKey = "Orleans:Endpoints:GatewayPort";
    public const string AdvertisedIPAddressKey = "Orleans:Endpoints:AdvertisedIPAddress";
    public const string DashboardKey = "Orleans:Dashboard";
    public const string MembershipSection = "Orleans:Membership";

    /// <summary>The default of both <see cref="ClusterOptions.ClusterId"/> and <see cref="ClusterOptions.ServiceId"/>.</summary>
    public const string DefaultId = "orleans-monitor";

    /// <summary>A Redis configuration string under <c>ConnectionStrings:Redis</c> means cluster mode.</summary>
    public static bool IsCluster(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration?[RedisKey]);

    /// <summary><c>Orleans:Dashboard</c>: false unless set to true.</summary>
    public static bool DashboardEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[DashboardKey];
        if (value is null)
        {
            return false;
        }

        return bool.TryParse(value, out var enabled) ? enabled : throw new InvalidSettingException($"{DashboardKey} must be true or false, not '{value}'.");
    }

    /// <summary>Checks every Orleans setting of this process at once, before anything starts.</summary>
    /// <exception cref="InvalidSettingException">A setting is malformed or missing; the message names it.</exception>
    public static void Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (IsCluster(configuration))
        {
            _ = Redis(configuration);
            if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Monitor")))
            {
                throw new InvalidSettingException($"{StorageOptions.ConnectionStringKey} (PostgreSQL) is required in cluster mode ({RedisKey} is set).");
            }
        }

        var cluster = new ClusterOptions();
        BindCluster(cluster, configuration);
        BindEndpoints(new EndpointOptions(), configuration);
        _ = DashboardEnabled(configuration);
        using var tls = OrleansTls.Read(configuration);
    }

    /// <summary>Parsed <c>ConnectionStrings:Redis</c>; Orleans retries a Redis that is not there yet, so connecting never aborts.</summary>
    public static ConfigurationOptions Redis(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration[RedisKey] ?? string.Empty);
        }
        catch (ArgumentException ex)
        {
            // The string may hold a password: name the setting, never echo it.
            throw new InvalidSettingException($"{RedisKey} is not a valid StackExchange.Redis configuration string: {ex.Message}");
        }

        if (options.EndPoints.Count == 0)
        {
            throw new InvalidSettingException($"{RedisKey} names no Redis endpoint (expected e.g. 'redis:6379').");
        }

        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary><c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c> onto Orleans' options, <see cref="DefaultId"/> when unset.</summary>
    public static void BindCluster(ClusterOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        options.ClusterId = DefaultId;
        options.ServiceId = DefaultId;
        configuration.GetSection(Section).Bind(options);
        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            throw new InvalidSettingException($"{Section}:ClusterId and {Section}:ServiceId must not be empty.");
        }
    }

    /// <summary>
    /// <c>Orleans:Endpoints:*</c> onto Orleans' options: ports 11111 and 30000, the advertised address defaulting to the
    /// host's primary address, listening on every interface (the advertised address may belong to the host of a
    /// bridged container, not to this process's interfaces).
    /// </summary>
    public static void BindEndpoints(EndpointOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        options.SiloPort = Port(configuration, SiloPortKey, EndpointOptions.DEFAULT_SILO_PORT);
        options.GatewayPort = Port(configuration, GatewayPortKey, EndpointOptions.DEFAULT_GATEWAY_PORT);
        options.AdvertisedIPAddress = Address(configuration);
        options.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, options.SiloPort);
        options.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, options.GatewayPort);
    }

    /// <summary><c>Orleans:Endpoints:SiloPort</c> (11111 when unset).</summary>
    public static int SiloPort(IConfiguration configuration) => Port(configuration, SiloPortKey, EndpointOptions.DEFAULT_SILO_PORT);

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

/// <summary>
/// Fails start when another process listens on a port this silo needs: Orleans' listener would share it silently and
/// connections would be spread over both processes.
/// </summary>
public sealed class EndpointPortsFree : IValidateOptions<EndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, EndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var busy = Check(options.SiloPort, options.GatewayPort);
        return busy.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(busy);
    }

    /// <summary>Throws when a port is taken, for checks before a host is built (a gateway port of 0 means none).</summary>
    /// <exception cref="InvalidSettingException">The port's setting is named in the message.</exception>
    public static void Ensure(int siloPort, int gatewayPort)
    {
        var busy = Check(siloPort, gatewayPort);
        if (busy.Count > 0)
        {
            throw new InvalidSettingException(string.Join(" ", busy));
        }
    }

    private static List<string> Check(int siloPort, int gatewayPort)
    {
        var busy = new List<string>();
        if (InUse(siloPort))
        {
            busy.Add($"{OrleansConfiguration.SiloPortKey} ({siloPort}) is already in use by another process.");
        }

        if (gatewayPort > 0 && InUse(gatewayPort))
        {
            busy.Add($"{OrleansConfiguration.GatewayPortKey} ({gatewayPort}) is already in use by another process.");
        }

        return busy;
    }

    private static bool InUse(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Any, port));
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }
}
