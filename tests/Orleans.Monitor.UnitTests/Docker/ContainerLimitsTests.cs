using Orleans.Monitor.Contracts.Containers;

namespace Orleans.Monitor.UnitTests.Docker;

public sealed class ContainerLimitsTests
{
    [Theory]
    [InlineData(500_000_000L, 0L, 0L, 50_000L, 100_000L)] // --cpus 0.5
    [InlineData(1_500_000_000L, 0L, 0L, 150_000L, 100_000L)] // --cpus 1.5
    [InlineData(0L, 20_000L, 50_000L, 20_000L, 50_000L)] // --cpu-quota 20000 --cpu-period 50000
    [InlineData(0L, 0L, 0L, 0L, 100_000L)] // unlimited: the kernel's period, no quota
    [InlineData(0L, -1L, 0L, 0L, 100_000L)] // -1 is the kernel's "no quota"
    public void FromInspect_CpuSettings_GiveTheCgroupQuotaAndPeriod(long nanoCpus, long quota, long period, long expectedQuota, long expectedPeriod)
    {
        var limits = ContainerLimits.FromInspect(nanoCpus, quota, period, 64L << 20);

        Assert.Equal((expectedQuota, expectedPeriod, 67_108_864L), (limits.CpuQuotaMicroseconds, limits.CpuPeriodMicroseconds, limits.MemoryLimitBytes));
    }

    [Theory]
    [InlineData(500_000_000L, null, 0.5)] // --cpus 0.5
    [InlineData(0L, "0-1,3", 3.0)] // --cpuset-cpus 0-1,3
    [InlineData(1_500_000_000L, "0", 1.0)] // both: the smaller bounds it
    [InlineData(0L, null, null)] // unlimited
    [InlineData(0L, "x-1", null)] // not a cpuset list
    public void CpuCores_QuotaOrCpuSet_GiveTheLimitInCores(long nanoCpus, string? cpuSet, double? expected)
    {
        var limits = ContainerLimits.FromInspect(nanoCpus, 0, 0, 0, cpuSet);

        Assert.Equal(expected, limits.CpuCores);
    }

    [Fact]
    public void ContainerInfo_InspectedLimits_ExposeCoresMemoryAndCpuSet()
    {
        var info = new ContainerInfo("c", "h", "n", "i", new Dictionary<string, string>(), null, null, "running", null, DateTimeOffset.UnixEpoch, null, null, null, false, false)
        {
            Limits = ContainerLimits.FromInspect(0, 25_000, 50_000, 64L << 20, "0-1"),
        };

        Assert.Equal((0.5, 67_108_864L, "0-1"), (info.CpuLimitCores, info.MemoryLimitBytes, info.CpuSet));
        Assert.Null((info with { Limits = null }).CpuLimitCores);
        Assert.Null((info with { Limits = ContainerLimits.FromInspect(0, 0, 0, 0) }).MemoryLimitBytes);
    }
}
