using Orleans.Monitor.Contracts.Containers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>
/// Reads container counters straight from the host's cgroup files and procfs, the way dockerd's collector does
/// but without a daemon round trip: about two orders of magnitude cheaper than the stats API per sample.
/// </summary>
public sealed partial class CgroupStatsSource : IStatsSource
{
    private readonly ILogger<CgroupStatsSource> _logger;
    private ulong _hostMemoryBytes;

    public CgroupStatsSource(
        IOptions<CgroupOptions> options, HostCpuClock hostCpuClock, TimeProvider timeProvider, ILogger<CgroupStatsSource> logger)
    {
        ProcRoot = options.Value.ProcRoot;
        CgroupRoot = options.Value.CgroupRoot;
        IsUnified = IsUnifiedHierarchy(CgroupRoot);
        HostCpuClock = hostCpuClock;
        TimeProvider = timeProvider;
        _logger = logger;
    }

    public string Name => "cgroup";

    internal string ProcRoot { get; }

    internal string CgroupRoot { get; }

    /// <summary>True on a cgroup v2 (unified) host.</summary>
    internal bool IsUnified { get; }

    internal HostCpuClock HostCpuClock { get; }

    internal TimeProvider TimeProvider { get; }

    /// <summary>The host's MemTotal in bytes, read once: dockerd reports it as the limit of unlimited containers.</summary>
    internal ulong HostMemoryBytes
    {
        get
        {
            if (_hostMemoryBytes == 0)
            {
                _hostMemoryBytes = CgroupFileParser.ParseMemTotal(File.ReadAllBytes(Path.Combine(ProcRoot, "meminfo")));
            }

            return _hostMemoryBytes;
        }
    }

    public IContainerStatsReader CreateReader(ContainerTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new CgroupStatsReader(target, this);
    }

    /// <summary>A v2 host has <c>cgroup.controllers</c> at the root of its one hierarchy; v1 and hybrid hosts do not.</summary>
    internal static bool IsUnifiedHierarchy(string cgroupRoot) => File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers"));

    internal void LogGone(string containerId, string reason) => LogContainerGone(_logger, containerId, reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Container {ContainerId} is gone from the cgroup tree: {Reason}")]
    private static partial void LogContainerGone(ILogger logger, string containerId, string reason);
}
