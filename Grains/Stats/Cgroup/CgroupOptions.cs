using System.ComponentModel.DataAnnotations;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>Where the host's procfs and cgroup tree are, bound from <c>Stats:Cgroup</c>.</summary>
public sealed class CgroupOptions
{
    public const string SectionName = "Stats:Cgroup";

    /// <summary>
    /// The host's procfs. <c>/proc</c> when the silo runs on the host; the mounted host path (e.g. <c>/host/proc</c>)
    /// when it runs in a container, since container PIDs are host PIDs.
    /// </summary>
    [Required]
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>The host's cgroup mount: <c>/sys/fs/cgroup</c>, or e.g. <c>/host/sys/fs/cgroup</c> in a container.</summary>
    [Required]
    public string CgroupRoot { get; set; } = "/sys/fs/cgroup";

    /// <summary>
    /// How long one read of the host's <c>/proc/stat</c> serves every container. Short, because a container's CPU
    /// and the host's CPU must be read close together for the CPU % ratio to hold.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan HostCpuMaxAge { get; set; } = TimeSpan.FromMilliseconds(20);
}
