namespace Orleans.Monitor.Contracts.Containers;

/// <summary>
/// A container's configured limits as inspect reports them (<c>HostConfig</c>), in the cgroup's own units, so an
/// exporter can show them as the kernel enforces them.
/// </summary>
/// <param name="CpuQuotaMicroseconds">CFS quota per period (<c>--cpus 0.5</c> is 50000 of 100000); 0 when unlimited.</param>
/// <param name="CpuPeriodMicroseconds">CFS period; the kernel's 100000 unless <c>--cpu-period</c> set another.</param>
/// <param name="MemoryLimitBytes">The <c>-m</c> limit; 0 when unlimited.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerLimits(
    [property: Id(0)] long CpuQuotaMicroseconds,
    [property: Id(1)] long CpuPeriodMicroseconds,
    [property: Id(2)] long MemoryLimitBytes)
{
    /// <summary>The kernel's default CFS period, which Docker uses for <c>--cpus</c>.</summary>
    public const long DefaultCpuPeriodMicroseconds = 100_000;

    /// <summary>
    /// From inspect's <c>NanoCpus</c> (<c>--cpus</c>, which Docker turns into a quota over the default period) or its
    /// <c>CpuQuota</c>/<c>CpuPeriod</c> (<c>--cpu-quota</c>, <c>--cpu-period</c>).
    /// </summary>
    public static ContainerLimits FromInspect(long nanoCpus, long cpuQuota, long cpuPeriod, long memoryLimitBytes)
    {
        var period = cpuPeriod > 0 ? cpuPeriod : DefaultCpuPeriodMicroseconds;
        var quota = nanoCpus > 0 ? nanoCpus * period / 1_000_000_000 : Math.Max(cpuQuota, 0);
        return new ContainerLimits(quota, period, Math.Max(memoryLimitBytes, 0));
    }
}
