namespace Orleans.Monitor.Contracts.Containers;

/// <summary>
/// A container's configured limits as inspect reports them (<c>HostConfig</c>), in the cgroup's own units, so an
/// exporter can show them as the kernel enforces them.
/// </summary>
/// <param name="CpuQuotaMicroseconds">CFS quota per period (<c>--cpus 0.5</c> is 50000 of 100000); 0 when unlimited.</param>
/// <param name="CpuPeriodMicroseconds">CFS period; the kernel's 100000 unless <c>--cpu-period</c> set another.</param>
/// <param name="MemoryLimitBytes">The <c>-m</c> limit; 0 when unlimited.</param>
/// <param name="CpuSet">The <c>--cpuset-cpus</c> list as inspect reports it (<c>0-1,3</c>); null when not pinned.</param>
[GenerateSerializer, Immutable]
public sealed record ContainerLimits(
    [property: Id(0)] long CpuQuotaMicroseconds,
    [property: Id(1)] long CpuPeriodMicroseconds,
    [property: Id(2)] long MemoryLimitBytes,
    [property: Id(3)] string? CpuSet = null)
{
    /// <summary>The kernel's default CFS period, which Docker uses for <c>--cpus</c>.</summary>
    public const long DefaultCpuPeriodMicroseconds = 100_000;

    /// <summary>
    /// From inspect's <c>NanoCpus</c> (<c>--cpus</c>, which Docker turns into a quota over the default period) or its
    /// <c>CpuQuota</c>/<c>CpuPeriod</c> (<c>--cpu-quota</c>, <c>--cpu-period</c>).
    /// </summary>
    public static ContainerLimits FromInspect(long nanoCpus, long cpuQuota, long cpuPeriod, long memoryLimitBytes, string? cpuSet = null)
    {
        var period = cpuPeriod > 0 ? cpuPeriod : DefaultCpuPeriodMicroseconds;
        var quota = nanoCpus > 0 ? nanoCpus * period / 1_000_000_000 : Math.Max(cpuQuota, 0);
        return new ContainerLimits(quota, period, Math.Max(memoryLimitBytes, 0), string.IsNullOrWhiteSpace(cpuSet) ? null : cpuSet.Trim());
    }

    /// <summary>
    /// The CPU limit in cores: the quota over its period (<c>--cpus 0.5</c> is 0.5), else the number of CPUs in
    /// <see cref="CpuSet"/> (<c>0-1,3</c> is 3); the smaller when both are set; null when neither limits the container.
    /// </summary>
    public double? CpuCores
    {
        get
        {
            double? quota = CpuQuotaMicroseconds > 0 && CpuPeriodMicroseconds > 0 ? (double)CpuQuotaMicroseconds / CpuPeriodMicroseconds : null;
            double? pinned = CountCpus(CpuSet);
            return quota is { } q && pinned is { } p ? Math.Min(q, p) : quota ?? pinned;
        }
    }

    /// <summary>The number of CPUs a cpuset list names (<c>0-1,3</c> is 3), or null when it is empty or not a list.</summary>
    public static int? CountCpus(string? cpuSet)
    {
        if (string.IsNullOrWhiteSpace(cpuSet))
        {
            return null;
        }

        var count = 0;
        foreach (var part in cpuSet.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    return null;
                }

                count++;
            }
            else if (int.TryParse(part[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var first)
                && int.TryParse(part[(dash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var last)
                && last >= first)
            {
                count += last - first + 1;
            }
            else
            {
                return null;
            }
        }

        return count > 0 ? count : null;
    }
}
