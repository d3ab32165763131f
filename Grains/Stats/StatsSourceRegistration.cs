using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Settings;
using Orleans.Monitor.Grains.Stats.Api;
using Orleans.Monitor.Grains.Stats.Cgroup;

namespace Orleans.Monitor.Grains.Stats;

/// <summary>Which stats source the silo uses, bound from the <c>Stats</c> section.</summary>
public sealed class StatsSourceOptions
{
    public const string SectionName = "Stats";

    public const string Auto = "auto";

    /// <summary>
    /// <c>auto</c> (default): cgroup files when this process can read the host's, else the Docker API;
    /// <c>cgroup</c> or <c>docker-api</c> to force one.
    /// </summary>
    public string Source { get; set; } = Auto;
}

/// <summary>Registers the <see cref="IStatsSource"/> chosen by <c>Stats:Source</c>.</summary>
public static class StatsSourceRegistration
{
    /// <summary>
    /// Binds <c>Stats</c> and <c>Stats:Cgroup</c> (validated on start) and registers one <see cref="IStatsSource"/>
    /// singleton picked by <see cref="StatsSourceSelector"/>, replacing any registered before. The API source
    /// needs <c>AddDockerDaemon</c>.
    /// </summary>
    public static IHostApplicationBuilder AddStatsSource(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<StatsSourceOptions>()
            .Bind(builder.Configuration.GetSection(StatsSourceOptions.SectionName))
            .Validate(
                options => StatsSourceSelector.IsKnown(options.Source),
                "Stats:Source must be one of auto, cgroup, docker-api.")
            .ValidateOnStart();
        services.AddOptions<CgroupOptions>()
            .Bind(builder.Configuration.GetSection(CgroupOptions.SectionName))
            .ValidateSettings(CgroupOptions.SectionName)
            .Validate(
                options => Path.IsPathRooted(options.ProcRoot) && Path.IsPathRooted(options.CgroupRoot),
                "Stats:Cgroup:ProcRoot and Stats:Cgroup:CgroupRoot must be absolute paths.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HostCpuClock>();
        services.TryAddSingleton<CgroupStatsSource>();
        services.AddDockerApiStatsSource();
        services.TryAddSingleton<StatsSourceSelector>();
        services.RemoveAll<IStatsSource>();
        services.AddSingleton(sp => sp.GetRequiredService<StatsSourceSelector>().Select(sp));
        return builder;
    }
}

/// <summary>
/// Applies <c>Stats:Source</c>: <c>auto</c> probes whether the host's procfs and cgroup files are readable and
/// falls back to the Docker API with one warning that names what is missing.
/// </summary>
public sealed partial class StatsSourceSelector(
    IOptions<StatsSourceOptions> options, IOptions<CgroupOptions> cgroupOptions, ILogger<StatsSourceSelector> logger)
{
    public const string Cgroup = "cgroup";
    public const string DockerApi = "docker-api";

    /// <summary>Resolves the configured source; called once, by the <see cref="IStatsSource"/> singleton factory.</summary>
    public IStatsSource Select(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        IStatsSource source;
        switch (options.Value.Source.Trim().ToLowerInvariant())
        {
            case Cgroup:
                source = services.GetRequiredService<CgroupStatsSource>();
                break;
            case DockerApi:
                source = services.GetRequiredService<DockerApiStatsSource>();
                break;
            default:
                var missing = ProbeCgroup(cgroupOptions.Value);
                if (missing is null)
                {
                    source = services.GetRequiredService<CgroupStatsSource>();
                }
                else
                {
                    LogCgroupUnavailable(logger, missing);
                    source = services.GetRequiredService<DockerApiStatsSource>();
                }

                break;
        }

        LogSelected(logger, source.Name, options.Value.Source);
        return source;
    }

    internal static bool IsKnown(string? source) =>
        source?.Trim().ToLowerInvariant() is StatsSourceOptions.Auto or Cgroup or DockerApi;

    /// <summary>
    /// Reads what every cgroup read needs, for the host's PID 1: <c>/proc/stat</c>, <c>/proc/1/cgroup</c>, and
    /// PID 1's CPU and memory cgroup files. Returns null when all are readable, else what is missing.
    /// </summary>
    internal static string? ProbeCgroup(CgroupOptions options)
    {
        var procStat = Path.Combine(options.ProcRoot, "stat");
        var initCgroup = Path.Combine(options.ProcRoot, "1", "cgroup");
        if (CannotRead(procStat) is { } statError)
        {
            return statError;
        }

        if (CannotRead(initCgroup) is { } cgroupError)
        {
            return cgroupError;
        }

        // Container PIDs from Docker are host PIDs: a procfs whose PID 1 is this very process belongs to the
        // silo's own container, where those PIDs do not exist.
        if (Environment.ProcessId == 1 && IsOwnProcfs(options.ProcRoot))
        {
            return $"{options.ProcRoot} is this container's own PID namespace, not the host's (mount the host's /proc and set Stats:Cgroup:ProcRoot)";
        }

        var unified = CgroupStatsSource.IsUnifiedHierarchy(options.CgroupRoot);
        CgroupDirectories directories;
        try
        {
            directories = CgroupDirectories.Parse(File.ReadAllText(initCgroup), options.CgroupRoot, unified);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Describe(initCgroup, ex);
        }

        string[] required = unified
            ? [Path.Combine(options.CgroupRoot, "cgroup.controllers"), Path.Join(directories.Cpu, "cpu.stat")]
            : [Path.Join(directories.Cpuacct, "cpuacct.usage"), Path.Join(directories.Memory, "memory.usage_in_bytes")];
        if (!unified && (directories.Cpuacct is null || directories.Memory is null))
        {
            return $"cannot find the cpuacct and memory controllers under {options.CgroupRoot}";
        }

        foreach (var file in required)
        {
            if (CannotRead(file) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static bool IsOwnProcfs(string procRoot)
    {
        try
        {
            return Directory.ResolveLinkTarget(Path.Combine(procRoot, "self"), returnFinalTarget: false)?.Name == "1";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? CannotRead(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Span<byte> buffer = stackalloc byte[64];
            RandomAccess.Read(handle, buffer, 0);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Describe(path, ex);
        }
    }

    private static string Describe(string path, Exception ex) => ex switch
    {
        UnauthorizedAccessException => $"cannot read {path}: permission denied",
        FileNotFoundException or DirectoryNotFoundException => $"cannot read {path}: not found",
        _ => $"cannot read {path}: {ex.Message}",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Missing}; using the Docker API source")]
    private static partial void LogCgroupUnavailable(ILogger logger, string missing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container stats come from the {Source} source (Stats:Source = {Setting})")]
    private static partial void LogSelected(ILogger logger, string source, string setting);
}
