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
}
