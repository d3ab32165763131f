using Orleans.Monitor.Contracts.Containers;
namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>
/// One container's counters from its cgroup files and <c>/proc/&lt;pid&gt;/net/dev</c>. Files are opened on the first
/// read and re-read in place afterwards, so steady-state samples allocate nothing. Not for concurrent reads: one
/// reader serves one container's sampling loop.
/// </summary>
internal sealed class CgroupStatsReader(ContainerTarget target, CgroupStatsSource source) : IContainerStatsReader
{
    private readonly ReadBuffer _buffer = new();
    private ICgroupCounters? _counters;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _netDev;
    private bool _gone;

    public ValueTask<StatsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_gone)
        {
            return ValueTask.FromResult(StatsReadResult.WithStatus(ReadingStatus.Gone));
        }

        try
        {
            _counters ??= Open();
            var sample = default(CgroupSample);
            _counters.Read(_buffer, ref sample);

            // runc removes the cgroup right after the last task exits; between the two it is empty.
            if (sample.HasPids && sample.Pids == 0)
            {
                return ValueTask.FromResult(StatsReadResult.WithStatus(ReadingStatus.NotRunning));
            }

            ulong rx = 0, tx = 0;
            var networkMeasured = false;
            if (_netDev is not null)
            {
                var netDev = _buffer.Read(_netDev);
                if (netDev.IsEmpty)
                {
                    // procfs files of an exited process read as empty.
                    return ValueTask.FromResult(MarkGone("process exited"));
                }

                networkMeasured = CgroupFileParser.SumNetDev(netDev, out rx, out tx);
            }

            // After the cgroup, as dockerd does, so both sides of the CPU % ratio are read close together.
            var host = source.HostCpuClock.Read();
            var reading = new CounterReading(
                source.TimeProvider.GetUtcNow(),
                sample.CpuTotalNanoseconds,
                sample.CpuUserNanoseconds,
                sample.CpuKernelNanoseconds,
                host.SystemCpuNanoseconds,
                host.OnlineCpus,
                sample.ThrottlePeriods,
                sample.ThrottledPeriods,
                sample.ThrottledTimeNanoseconds,
                sample.MemoryUsageBytes,
                sample.MemoryLimitBytes,
                sample.MemoryInactiveFileBytes,
                rx,
                tx,
                sample.BlockReadBytes,
                sample.BlockWriteBytes,
                sample.Pids,
                sample.PidsLimit,
                networkMeasured,
                sample.MemoryCacheBytes);
            return ValueTask.FromResult(StatsReadResult.Of(reading));
        }
        catch (Exception ex) when (PseudoFile.IsGone(ex))
        {
            // Stopped between list and read: expected, so debug only.
            return ValueTask.FromResult(MarkGone(ex.Message));
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private ICgroupCounters Open()
    {
        var pidDirectory = Path.Combine(source.ProcRoot, target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var directories = CgroupDirectories.Parse(
            File.ReadAllText(Path.Combine(pidDirectory, "cgroup")), source.CgroupRoot, source.IsUnified);
        ICgroupCounters counters = source.IsUnified
            ? new CgroupV2Counters(directories, source.HostMemoryBytes)
            : new CgroupV1Counters(directories, source.HostMemoryBytes);
        try
        {
            // Docker measures no network in the host's namespace (--network host, or joining a container that uses
            // it): its interfaces carry the machine's traffic, not the container's.
            if (target.NetworkNamespace is not null && !SharesHostNetwork(pidDirectory))
            {
                _netDev = PseudoFile.OpenOptional(Path.Combine(pidDirectory, "net"), "dev");
            }
        }
        catch
        {
            counters.Dispose();
            throw;
        }

        return counters;
    }

    /// <summary>
    /// The process's network namespace is the host's: that of PID 1 in <see cref="CgroupStatsSource.ProcRoot"/>, or,
    /// where PID 1 may not be inspected, this process's own (a silo on the host).
    /// </summary>
    private bool SharesHostNetwork(string pidDirectory)
    {
        var own = NetworkNamespaceOf(pidDirectory);
        var host = NetworkNamespaceOf(Path.Combine(source.ProcRoot, "1")) ?? NetworkNamespaceOf(Path.Combine(source.ProcRoot, "self"));
        return own is not null && own == host;
    }

    private static string? NetworkNamespaceOf(string pidDirectory)
    {
        try
        {
            return File.ResolveLinkTarget(Path.Combine(pidDirectory, "ns", "net"), returnFinalTarget: false)?.Name;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private StatsReadResult MarkGone(string reason)
    {
        _gone = true;
        Close();
        source.LogGone(target.ContainerId, reason);
        return StatsReadResult.WithStatus(ReadingStatus.Gone);
    }

    private void Close()
    {
        _counters?.Dispose();
        _counters = null;
        _netDev?.Dispose();
        _netDev = null;
    }
}
