using Orleans.Monitor.Grains.Stats.Cgroup;

namespace Orleans.Monitor.UnitTests.Stats.Cgroup;

public sealed class CgroupDirectoriesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgdir-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Parse_JoinedControllersAndCustomParent_ResolvesJoinedMount()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cpu,cpuacct", "my-parent", "abc"));
        Directory.CreateDirectory(Path.Combine(_root, "memory", "my-parent", "abc"));
        const string content = "5:memory:/my-parent/abc\n4:cpu,cpuacct:/my-parent/abc\n1:name=systemd:/my-parent/abc\n0::/my-parent/abc\n";

        var directories = CgroupDirectories.Parse(content, _root, unified: false);

        Assert.Equal(Path.Combine(_root, "cpu,cpuacct", "my-parent", "abc"), directories.Cpuacct);
        Assert.Equal(directories.Cpuacct, directories.Cpu);
        Assert.Equal(Path.Combine(_root, "memory", "my-parent", "abc"), directories.Memory);
        Assert.Null(directories.Blkio);
        Assert.Null(directories.Pids);
    }

    [Fact]
    public void Parse_JoinedControllersMountedSeparately_FallsBackToControllerName()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cpuacct", "docker", "abc"));
        Directory.CreateDirectory(Path.Combine(_root, "cpu", "docker", "abc"));

        var directories = CgroupDirectories.Parse("4:cpu,cpuacct:/docker/abc\n", _root, unified: false);

        Assert.Equal(Path.Combine(_root, "cpuacct", "docker", "abc"), directories.Cpuacct);
        Assert.Equal(Path.Combine(_root, "cpu", "docker", "abc"), directories.Cpu);
    }

    [Fact]
    public void Parse_Unified_UsesTheSingleHierarchyLine()
    {
        var directories = CgroupDirectories.Parse("0::/system.slice/docker-abc.scope\n", _root, unified: true);

        Assert.True(directories.Unified);
        Assert.Equal(Path.Combine(_root, "system.slice", "docker-abc.scope"), directories.Memory);
        Assert.Equal(directories.Memory, directories.Cpu);
    }

    [Fact]
    public void Parse_V1ProcessWithoutControllers_LeavesThemNull()
    {
        var directories = CgroupDirectories.Parse("0::/docker/abc\n", _root, unified: false);

        Assert.Null(directories.Cpuacct);
        Assert.Null(directories.Memory);
    }
}
