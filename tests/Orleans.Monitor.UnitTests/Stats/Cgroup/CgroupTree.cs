using Orleans.Monitor.Contracts.Containers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Monitor.Grains.Stats.Cgroup;

namespace Orleans.Monitor.UnitTests.Stats.Cgroup;

/// <summary>A recorded host file tree (proc/ and cgroup/) under Trees/, optionally copied so a test can change it.</summary>
internal sealed class CgroupTree : IDisposable
{
    public const string V1CgroupfsId = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    public const string V1SystemdId = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    public const string V2SystemdId = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";

    /// <summary>MemTotal of the recorded /proc/meminfo, in bytes.</summary>
    public const ulong HostMemoryBytes = 24684084UL * 1024;

    private readonly bool _owned;

    private CgroupTree(string root, bool owned)
    {
        Root = root;
        _owned = owned;
    }

    public string Root { get; }

    public string ProcRoot => Path.Combine(Root, "proc");

    public string CgroupRoot => Path.Combine(Root, "cgroup");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

    public static CgroupTree Recorded(string name) => new(Path.Combine(AppContext.BaseDirectory, "Stats", "Cgroup", "Trees", name), owned: false);

    public static CgroupTree Copy(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Stats", "Cgroup", "Trees", name);
        var target = Path.Combine(Path.GetTempPath(), "cgtree-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return new CgroupTree(target, owned: true);
    }

    public CgroupStatsSource CreateSource(TimeSpan? hostCpuMaxAge = null)
    {
        var options = Options.Create(new CgroupOptions
        {
            ProcRoot = ProcRoot,
            CgroupRoot = CgroupRoot,
            HostCpuMaxAge = hostCpuMaxAge ?? TimeSpan.FromMilliseconds(20),
        });
        return new CgroupStatsSource(options, new HostCpuClock(options, Time), Time, NullLogger<CgroupStatsSource>.Instance);
    }

    public ContainerTarget Target(string id, int pid) => new(id, pid, Time.GetUtcNow(), NetworkNamespace: id);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Dispose()
    {
        if (_owned)
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
