using Orleans.Monitor.Grains.Stats;

namespace Orleans.Monitor.UnitTests.Stats.Cgroup;

public sealed class CgroupStatsSourceTests
{
    // First 7 fields of the recorded /proc/stat cpu line, in ticks.
    private const ulong HostTicks = 32444UL + 174 + 8763 + 65795 + 794 + 0 + 131;

    [Fact]
    public async Task ReadAsync_V1Cgroupfs_ReadsEveryCounter()
    {
        using var tree = CgroupTree.Recorded("v1-cgroupfs");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));

        var result = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(ReadingStatus.Ok, result.Status);
        Assert.Equal(
            new CounterReading(
                Timestamp: tree.Time.GetUtcNow(),
                CpuTotalNanoseconds: 23031743,
                CpuUserNanoseconds: 10_000_000,
                CpuKernelNanoseconds: 20_000_000,
                SystemCpuNanoseconds: HostTicks * 10_000_000,
                OnlineCpus: 2,
                ThrottlePeriods: 7359,
                ThrottledPeriods: 7128,
                ThrottledTimeNanoseconds: 337802545041,
                MemoryUsageBytes: 9162752,
                MemoryLimitBytes: 67108864,
                MemoryInactiveFileBytes: 12288,
                NetRxBytes: 0,
                NetTxBytes: 0,
                BlockReadBytes: 4096,
                BlockWriteBytes: 8192,
                Pids: 1,
                PidsLimit: 0,
                NetworkMeasured: false,
                MemoryCacheBytes: 8388608),
            result.Reading);
    }

    [Fact]
    public async Task ReadAsync_V1SystemdJoinedMounts_ClampsUnlimitedMemoryAndFallsBackToThrottleBlkio()
    {
        using var tree = CgroupTree.Recorded("v1-systemd");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1SystemdId, 777));

        var result = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(ReadingStatus.Ok, result.Status);
        var reading = result.Reading;
        Assert.Equal(735694617514UL, reading.CpuTotalNanoseconds);
        Assert.Equal(735310000000UL, reading.CpuUserNanoseconds);
        Assert.Equal(380000000UL, reading.CpuKernelNanoseconds);
        Assert.Equal(593920UL, reading.MemoryUsageBytes);
        Assert.Equal(CgroupTree.HostMemoryBytes, reading.MemoryLimitBytes);
        Assert.Equal(0UL, reading.MemoryInactiveFileBytes);
        Assert.Equal(1048576UL, reading.BlockReadBytes);
        Assert.Equal(2101248UL, reading.BlockWriteBytes);
        Assert.Equal(124456UL, reading.NetRxBytes);
        Assert.Equal(67432UL, reading.NetTxBytes);
        Assert.Equal(3UL, reading.Pids);
        Assert.Equal(50UL, reading.PidsLimit);
    }

    [Fact]
    public async Task ReadAsync_V2Systemd_ReadsEveryCounter()
    {
        using var tree = CgroupTree.Recorded("v2-systemd");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V2SystemdId, 31337));

        var result = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(ReadingStatus.Ok, result.Status);
        Assert.Equal(
            new CounterReading(
                Timestamp: tree.Time.GetUtcNow(),
                CpuTotalNanoseconds: 1_500_000_000_000,
                CpuUserNanoseconds: 1_200_000_000_000,
                CpuKernelNanoseconds: 300_000_000_000,
                SystemCpuNanoseconds: HostTicks * 10_000_000,
                OnlineCpus: 4,
                ThrottlePeriods: 7359,
                ThrottledPeriods: 7128,
                ThrottledTimeNanoseconds: 337802545000,
                MemoryUsageBytes: 209715200,
                MemoryLimitBytes: CgroupTree.HostMemoryBytes,
                MemoryInactiveFileBytes: 62914560,
                NetRxBytes: 124456,
                NetTxBytes: 67432,
                BlockReadBytes: 1048576,
                BlockWriteBytes: 2101248,
                Pids: 2,
                PidsLimit: 0,
                MemoryCacheBytes: 94371840),
            result.Reading);
    }

    [Fact]
    public async Task ReadAsync_V2MemoryLimit_ReadsLimitBelowHostMemory()
    {
        using var tree = CgroupTree.Copy("v2-systemd");
        File.WriteAllText(tree.PathOf($"cgroup/system.slice/docker-{CgroupTree.V2SystemdId}.scope/memory.max"), "536870912\n");
        File.WriteAllText(tree.PathOf($"cgroup/system.slice/docker-{CgroupTree.V2SystemdId}.scope/pids.max"), "100\n");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V2SystemdId, 31337));

        var reading = (await reader.ReadAsync(CancellationToken.None)).Reading;

        Assert.Equal(536870912UL, reading.MemoryLimitBytes);
        Assert.Equal(100UL, reading.PidsLimit);
    }

    [Fact]
    public async Task ReadAsync_UnknownPid_ReturnsGoneEveryTime()
    {
        using var tree = CgroupTree.Recorded("v1-cgroupfs");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 99999));

        Assert.Equal(ReadingStatus.Gone, (await reader.ReadAsync(CancellationToken.None)).Status);
        Assert.Equal(ReadingStatus.Gone, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task ReadAsync_CgroupRemovedBeforeFirstRead_ReturnsGone()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        Directory.Delete(tree.PathOf($"cgroup/cpuacct/docker/{CgroupTree.V1CgroupfsId}"), recursive: true);
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));

        Assert.Equal(ReadingStatus.Gone, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task ReadAsync_OptionalControllersMissing_ReadsZeros()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        Directory.Delete(tree.PathOf("cgroup/pids"), recursive: true);
        Directory.Delete(tree.PathOf("cgroup/blkio"), recursive: true);
        File.Delete(tree.PathOf($"cgroup/memory/docker/{CgroupTree.V1CgroupfsId}/memory.stat"));
        File.Delete(tree.PathOf($"cgroup/cpu/docker/{CgroupTree.V1CgroupfsId}/cpu.stat"));
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));

        var result = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(ReadingStatus.Ok, result.Status);
        Assert.Equal(23031743UL, result.Reading.CpuTotalNanoseconds);
        Assert.Equal(9162752UL, result.Reading.MemoryUsageBytes);
        Assert.Equal(0UL, result.Reading.MemoryInactiveFileBytes);
        Assert.Equal(0UL, result.Reading.ThrottlePeriods);
        Assert.Equal(0UL, result.Reading.BlockReadBytes);
        Assert.Equal(0UL, result.Reading.Pids);
    }

    [Fact]
    public async Task ReadAsync_EmptiedCgroup_ReturnsNotRunning()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        File.WriteAllText(tree.PathOf($"cgroup/pids/docker/{CgroupTree.V1CgroupfsId}/pids.current"), "0\n");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));

        Assert.Equal(ReadingStatus.NotRunning, (await reader.ReadAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task ReadAsync_FilesChangeBetweenReads_ReturnsFreshValuesAndTime()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        await using var reader = tree.CreateSource().CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));
        var first = (await reader.ReadAsync(CancellationToken.None)).Reading;

        // Truncating and rewriting keeps the inode, as a regenerated pseudo-file does.
        File.WriteAllText(tree.PathOf($"cgroup/cpuacct/docker/{CgroupTree.V1CgroupfsId}/cpuacct.usage"), "1023031743\n");
        File.WriteAllText(tree.PathOf("proc/stat"), "cpu  42 0 0 0 0 0 0 0 0 0\ncpu0 42 0 0 0 0 0 0 0 0 0\nintr 1\n");
        tree.Time.Advance(TimeSpan.FromSeconds(1));
        var second = (await reader.ReadAsync(CancellationToken.None)).Reading;

        Assert.Equal(1023031743UL, second.CpuTotalNanoseconds);
        Assert.Equal(420_000_000UL, second.SystemCpuNanoseconds);
        Assert.Equal(1, second.OnlineCpus);
        Assert.Equal(first.Timestamp + TimeSpan.FromSeconds(1), second.Timestamp);
    }

    [Fact]
    public async Task ReadAsync_ManyContainersWithinMaxAge_ShareOneHostCpuReading()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        var source = tree.CreateSource(TimeSpan.FromMilliseconds(100));
        await using var first = source.CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));
        await using var second = source.CreateReader(tree.Target(CgroupTree.V1CgroupfsId, 4242));

        var a = (await first.ReadAsync(CancellationToken.None)).Reading;
        File.WriteAllText(tree.PathOf("proc/stat"), "cpu  42 0 0 0 0 0 0 0 0 0\ncpu0 42 0 0 0 0 0 0 0 0 0\nintr 1\n");
        tree.Time.Advance(TimeSpan.FromMilliseconds(50));
        var b = (await second.ReadAsync(CancellationToken.None)).Reading;
        tree.Time.Advance(TimeSpan.FromMilliseconds(50));
        var c = (await second.ReadAsync(CancellationToken.None)).Reading;

        Assert.Equal(a.SystemCpuNanoseconds, b.SystemCpuNanoseconds);
        Assert.Equal(420_000_000UL, c.SystemCpuNanoseconds);
    }

    [Theory]
    [InlineData("v1-cgroupfs", CgroupTree.V1CgroupfsId, 4242)]
    [InlineData("v1-systemd", CgroupTree.V1SystemdId, 777)]
    [InlineData("v2-systemd", CgroupTree.V2SystemdId, 31337)]
    public async Task ReadAsync_SteadyState_AllocatesNothing(string treeName, string id, int pid)
    {
        using var tree = CgroupTree.Recorded(treeName);
        // Max age zero: /proc/stat is re-read every time, so its cost is in the measurement too.
        await using var reader = tree.CreateSource(TimeSpan.Zero).CreateReader(tree.Target(id, pid));
        for (var i = 0; i < 200; i++)
        {
            await reader.ReadAsync(CancellationToken.None);
        }

        // Reads complete synchronously, so every await below continues on this thread.
        var notOk = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            var result = await reader.ReadAsync(CancellationToken.None);
            notOk += result.Status == ReadingStatus.Ok ? 0 : 1;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, notOk);
        Assert.Equal(0, allocated);
    }
}
