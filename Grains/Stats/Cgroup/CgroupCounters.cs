using Microsoft.Win32.SafeHandles;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>The cgroup part of one sample, filled by <see cref="ICgroupCounters"/>.</summary>
internal struct CgroupSample
{
    public ulong CpuTotalNanoseconds;
    public ulong CpuUserNanoseconds;
    public ulong CpuKernelNanoseconds;
    public ulong ThrottlePeriods;
    public ulong ThrottledPeriods;
    public ulong ThrottledTimeNanoseconds;
    public ulong MemoryUsageBytes;
    public ulong MemoryLimitBytes;
    public ulong MemoryInactiveFileBytes;
    public ulong MemoryCacheBytes;
    public ulong BlockReadBytes;
    public ulong BlockWriteBytes;
    public ulong Pids;
    public ulong PidsLimit;
    public bool HasPids;
}

/// <summary>One container's open cgroup files for one cgroup version.</summary>
internal interface ICgroupCounters : IDisposable
{
    /// <summary>Re-reads every file; throws the I/O error when the cgroup went away.</summary>
    void Read(ReadBuffer buffer, ref CgroupSample sample);
}

/// <summary>cgroup v1: one directory per controller, values as docker's statsV1 reads them.</summary>
internal sealed class CgroupV1Counters : ICgroupCounters
{
    private readonly ulong _hostMemoryBytes;
    private readonly SafeFileHandle _cpuUsage;
    private readonly SafeFileHandle? _cpuacctStat;
    private readonly SafeFileHandle? _cpuStat;
    private readonly SafeFileHandle? _memoryUsage;
    private readonly SafeFileHandle? _memoryLimit;
    private readonly SafeFileHandle? _memoryStat;
    private readonly SafeFileHandle? _blkio;
    private readonly SafeFileHandle? _blkioThrottle;
    private readonly SafeFileHandle? _pidsCurrent;
    private readonly SafeFileHandle? _pidsMax;

    public CgroupV1Counters(CgroupDirectories directories, ulong hostMemoryBytes)
    {
        _hostMemoryBytes = hostMemoryBytes;
        var opened = new List<SafeFileHandle?>();
        try
        {
            // cpuacct is the one file every container has; missing means the container is gone.
            _cpuUsage = PseudoFile.Open(Path.Combine(directories.Cpuacct ?? throw new DirectoryNotFoundException("no cpuacct cgroup"), "cpuacct.usage"));
            opened.Add(_cpuUsage);
            opened.Add(_cpuacctStat = PseudoFile.OpenOptional(directories.Cpuacct, "cpuacct.stat"));
            opened.Add(_cpuStat = PseudoFile.OpenOptional(directories.Cpu, "cpu.stat"));
            opened.Add(_memoryUsage = PseudoFile.OpenOptional(directories.Memory, "memory.usage_in_bytes"));
            opened.Add(_memoryLimit = PseudoFile.OpenOptional(directories.Memory, "memory.limit_in_bytes"));
            opened.Add(_memoryStat = PseudoFile.OpenOptional(directories.Memory, "memory.stat"));
            opened.Add(_blkio = PseudoFile.OpenOptional(directories.Blkio, "blkio.io_service_bytes_recursive"));
            opened.Add(_blkioThrottle = PseudoFile.OpenOptional(directories.Blkio, "blkio.throttle.io_service_bytes_recursive"));
            opened.Add(_pidsCurrent = PseudoFile.OpenOptional(directories.Pids, "pids.current"));
            opened.Add(_pidsMax = PseudoFile.OpenOptional(directories.Pids, "pids.max"));
        }
        catch
        {
            opened.ForEach(handle => handle?.Dispose());
            throw;
        }
    }

    public void Read(ReadBuffer buffer, ref CgroupSample sample)
    {
        sample.CpuTotalNanoseconds = CgroupFileParser.ParseSingle(buffer.Read(_cpuUsage));

        if (_cpuacctStat is not null)
        {
            foreach (var (key, value) in new KeyValueLines(buffer.Read(_cpuacctStat)))
            {
                if (key.SequenceEqual("user"u8))
                {
                    sample.CpuUserNanoseconds = value * CgroupFileParser.NanosecondsPerTick;
                }
                else if (key.SequenceEqual("system"u8))
                {
                    sample.CpuKernelNanoseconds = value * CgroupFileParser.NanosecondsPerTick;
                }
            }
        }

        if (_cpuStat is not null)
        {
            foreach (var (key, value) in new KeyValueLines(buffer.Read(_cpuStat)))
            {
                if (key.SequenceEqual("nr_periods"u8))
                {
                    sample.ThrottlePeriods = value;
                }
                else if (key.SequenceEqual("nr_throttled"u8))
                {
                    sample.ThrottledPeriods = value;
                }
                else if (key.SequenceEqual("throttled_time"u8))
                {
                    sample.ThrottledTimeNanoseconds = value;
                }
            }
        }

        if (_memoryUsage is not null)
        {
            sample.MemoryUsageBytes = CgroupFileParser.ParseSingle(buffer.Read(_memoryUsage));
        }

        if (_memoryLimit is not null)
        {
            // Unlimited reads as 9223372036854771712; dockerd reports the host's memory instead, and so do we.
            var limit = CgroupFileParser.ParseSingle(buffer.Read(_memoryLimit));
            sample.MemoryLimitBytes = _hostMemoryBytes > 0 ? Math.Min(limit, _hostMemoryBytes) : limit;
        }

        if (_memoryStat is not null)
        {
            var memoryStat = buffer.Read(_memoryStat);
            sample.MemoryInactiveFileBytes = CgroupFileParser.FindKey(memoryStat, "total_inactive_file"u8);
            sample.MemoryCacheBytes = CgroupFileParser.FindKey(memoryStat, "total_cache"u8);
        }

        // containerd prefers the CFQ file when it has devices and falls back to the throttle file, as here.
        ulong read = 0, write = 0;
        if ((_blkio is null || !CgroupFileParser.SumBlkio(buffer.Read(_blkio), out read, out write)) && _blkioThrottle is not null)
        {
            CgroupFileParser.SumBlkio(buffer.Read(_blkioThrottle), out read, out write);
        }

        sample.BlockReadBytes = read;
        sample.BlockWriteBytes = write;

        PidsFiles.Read(buffer, _pidsCurrent, _pidsMax, ref sample);
    }

    public void Dispose()
    {
        _cpuUsage.Dispose();
        _cpuacctStat?.Dispose();
        _cpuStat?.Dispose();
        _memoryUsage?.Dispose();
        _memoryLimit?.Dispose();
        _memoryStat?.Dispose();
        _blkio?.Dispose();
        _blkioThrottle?.Dispose();
        _pidsCurrent?.Dispose();
        _pidsMax?.Dispose();
    }
}

/// <summary>cgroup v2: one directory, values as docker's statsV2 reads them.</summary>
internal sealed class CgroupV2Counters : ICgroupCounters
{
    private const ulong NanosecondsPerMicrosecond = 1000;

    private readonly ulong _hostMemoryBytes;
    private readonly SafeFileHandle _cpuStat;
    private readonly SafeFileHandle? _memoryCurrent;
    private readonly SafeFileHandle? _memoryMax;
    private readonly SafeFileHandle? _memoryStat;
    private readonly SafeFileHandle? _ioStat;
    private readonly SafeFileHandle? _pidsCurrent;
    private readonly SafeFileHandle? _pidsMax;

    public CgroupV2Counters(CgroupDirectories directories, ulong hostMemoryBytes)
    {
        _hostMemoryBytes = hostMemoryBytes;
        var directory = directories.Cpu ?? throw new DirectoryNotFoundException("no v2 cgroup");
        var opened = new List<SafeFileHandle?>();
        try
        {
            // cpu.stat exists in every v2 cgroup, even without the cpu controller enabled.
            _cpuStat = PseudoFile.Open(Path.Combine(directory, "cpu.stat"));
            opened.Add(_cpuStat);
            opened.Add(_memoryCurrent = PseudoFile.OpenOptional(directory, "memory.current"));
            opened.Add(_memoryMax = PseudoFile.OpenOptional(directory, "memory.max"));
            opened.Add(_memoryStat = PseudoFile.OpenOptional(directory, "memory.stat"));
            opened.Add(_ioStat = PseudoFile.OpenOptional(directory, "io.stat"));
            opened.Add(_pidsCurrent = PseudoFile.OpenOptional(directory, "pids.current"));
            opened.Add(_pidsMax = PseudoFile.OpenOptional(directory, "pids.max"));
        }
        catch
        {
            opened.ForEach(handle => handle?.Dispose());
            throw;
        }
    }

    public void Read(ReadBuffer buffer, ref CgroupSample sample)
    {
        foreach (var (key, value) in new KeyValueLines(buffer.Read(_cpuStat)))
        {
            if (key.SequenceEqual("usage_usec"u8))
            {
                sample.CpuTotalNanoseconds = value * NanosecondsPerMicrosecond;
            }
            else if (key.SequenceEqual("user_usec"u8))
            {
                sample.CpuUserNanoseconds = value * NanosecondsPerMicrosecond;
            }
            else if (key.SequenceEqual("system_usec"u8))
            {
                sample.CpuKernelNanoseconds = value * NanosecondsPerMicrosecond;
            }
            else if (key.SequenceEqual("nr_periods"u8))
            {
                sample.ThrottlePeriods = value;
            }
            else if (key.SequenceEqual("nr_throttled"u8))
            {
                sample.ThrottledPeriods = value;
            }
            else if (key.SequenceEqual("throttled_usec"u8))
            {
                sample.ThrottledTimeNanoseconds = value * NanosecondsPerMicrosecond;
            }
        }

        if (_memoryCurrent is not null)
        {
            sample.MemoryUsageBytes = CgroupFileParser.ParseSingle(buffer.Read(_memoryCurrent));
        }

        if (_memoryMax is not null)
        {
            var limit = CgroupFileParser.ParseSingle(buffer.Read(_memoryMax), whenMax: _hostMemoryBytes);
            sample.MemoryLimitBytes = _hostMemoryBytes > 0 ? Math.Min(limit, _hostMemoryBytes) : limit;
        }

        if (_memoryStat is not null)
        {
            var memoryStat = buffer.Read(_memoryStat);
            sample.MemoryInactiveFileBytes = CgroupFileParser.FindKey(memoryStat, "inactive_file"u8);
            sample.MemoryCacheBytes = CgroupFileParser.FindKey(memoryStat, "file"u8);
        }

        if (_ioStat is not null)
        {
            CgroupFileParser.SumIoStat(buffer.Read(_ioStat), out sample.BlockReadBytes, out sample.BlockWriteBytes);
        }

        PidsFiles.Read(buffer, _pidsCurrent, _pidsMax, ref sample);
    }

    public void Dispose()
    {
        _cpuStat.Dispose();
        _memoryCurrent?.Dispose();
        _memoryMax?.Dispose();
        _memoryStat?.Dispose();
        _ioStat?.Dispose();
        _pidsCurrent?.Dispose();
        _pidsMax?.Dispose();
    }
}

/// <summary>The pids controller has the same two files on cgroup v1 and v2.</summary>
internal static class PidsFiles
{
    public static void Read(ReadBuffer buffer, SafeFileHandle? current, SafeFileHandle? max, ref CgroupSample sample)
    {
        if (current is not null)
        {
            sample.HasPids = true;
            sample.Pids = CgroupFileParser.ParseSingle(buffer.Read(current));
        }

        if (max is not null)
        {
            sample.PidsLimit = CgroupFileParser.ParseSingle(buffer.Read(max), whenMax: 0);
        }
    }
}
