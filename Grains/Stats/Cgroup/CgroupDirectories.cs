namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>
/// The directories holding one process's cgroup files, per v1 controller; on v2 they are all the same directory.
/// A null means the controller is not mounted or the process is not in it.
/// </summary>
internal sealed record CgroupDirectories(bool Unified, string? Cpuacct, string? Cpu, string? Memory, string? Blkio, string? Pids)
{
    /// <summary>
    /// Finds a process's cgroups from the lines of <c>/proc/&lt;pid&gt;/cgroup</c>, resolved under
    /// <paramref name="cgroupRoot"/>. Reading the process's own file covers cgroupfs and systemd drivers and any
    /// <c>--cgroup-parent</c> without guessing a layout.
    /// </summary>
    public static CgroupDirectories Parse(string procCgroupContent, string cgroupRoot, bool unified)
    {
        if (unified)
        {
            foreach (var line in procCgroupContent.AsSpan().EnumerateLines())
            {
                if (line.StartsWith("0::", StringComparison.Ordinal))
                {
                    var directory = Under(cgroupRoot, line[3..].ToString());
                    return new CgroupDirectories(true, directory, directory, directory, directory, directory);
                }
            }

            return new CgroupDirectories(true, null, null, null, null, null);
        }

        string? cpuacct = null, cpu = null, memory = null, blkio = null, pids = null;
        foreach (var line in procCgroupContent.AsSpan().EnumerateLines())
        {
            // hierarchy-id:controller-list:path; the path itself may contain ':'.
            var first = line.IndexOf(':');
            if (first < 0)
            {
                continue;
            }

            var afterId = line[(first + 1)..];
            var second = afterId.IndexOf(':');
            if (second <= 0)
            {
                // "0::/..." is the v2 hierarchy of a hybrid host; v1 controllers are what count there.
                continue;
            }

            var controllers = afterId[..second].ToString();
            var path = afterId[(second + 1)..].ToString();
            foreach (var controller in controllers.Split(','))
            {
                switch (controller)
                {
                    case "cpuacct":
                        cpuacct = Resolve(cgroupRoot, controllers, controller, path);
                        break;
                    case "cpu":
                        cpu = Resolve(cgroupRoot, controllers, controller, path);
                        break;
                    case "memory":
                        memory = Resolve(cgroupRoot, controllers, controller, path);
                        break;
                    case "blkio":
                        blkio = Resolve(cgroupRoot, controllers, controller, path);
                        break;
                    case "pids":
                        pids = Resolve(cgroupRoot, controllers, controller, path);
                        break;
                    default:
                        break;
                }
            }
        }

        return new CgroupDirectories(false, cpuacct, cpu, memory, blkio, pids);
    }

    /// <summary>
    /// Joined controllers are mounted at their joined name (<c>cpu,cpuacct</c>) with per-controller symlinks that
    /// some hosts lack, so both are tried; the first that holds the process's directory wins.
    /// </summary>
    private static string? Resolve(string cgroupRoot, string controllers, string controller, string path)
    {
        var joined = Under(Path.Combine(cgroupRoot, controllers), path);
        if (Directory.Exists(joined))
        {
            return joined;
        }

        var single = Under(Path.Combine(cgroupRoot, controller), path);
        return Directory.Exists(single) ? single : null;
    }

    private static string Under(string root, string path) =>
        path is "/" or "" ? root : Path.Join(root, path.TrimStart('/'));
}
