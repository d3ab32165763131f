using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>The host's CPU time and online CPU count, as dockerd puts them in every stats frame.</summary>
/// <param name="SystemCpuNanoseconds">First 7 fields of /proc/stat's cpu line × 10⁷.</param>
/// <param name="OnlineCpus">Number of cpuN lines in /proc/stat.</param>
public readonly record struct HostCpuReading(ulong SystemCpuNanoseconds, int OnlineCpus);

/// <summary>
/// Reads the host's <c>/proc/stat</c> for all containers at once: one read serves every reader for
/// <see cref="CgroupOptions.HostCpuMaxAge"/>, instead of one read per container per tick.
/// </summary>
public sealed class HostCpuClock(IOptions<CgroupOptions> options, TimeProvider timeProvider) : IDisposable
{
    private readonly string _path = Path.Combine(options.Value.ProcRoot, "stat");
    private readonly TimeSpan _maxAge = options.Value.HostCpuMaxAge;
    private readonly Lock _gate = new();
    private SafeFileHandle? _handle;
    private byte[] _buffer = new byte[4096];
    private long _readAt;
    private HostCpuReading _last;

    /// <summary>The latest reading, from cache when younger than the maximum age.</summary>
    public HostCpuReading Read()
    {
        lock (_gate)
        {
            var now = timeProvider.GetTimestamp();
            if (_last.OnlineCpus > 0 && timeProvider.GetElapsedTime(_readAt, now) < _maxAge)
            {
                return _last;
            }

            _handle ??= PseudoFile.Open(_path);
            while (true)
            {
                var count = RandomAccess.Read(_handle, _buffer, 0);
                var content = _buffer.AsSpan(0, count);
                if (CgroupFileParser.TryParseProcStat(content, out var ticks, out var cpus) || count < _buffer.Length)
                {
                    _last = new HostCpuReading(ticks * CgroupFileParser.NanosecondsPerTick, cpus);
                    _readAt = now;
                    return _last;
                }

                // Hosts with many CPUs have long cpuN sections; grow until they fit (the intr line need not).
                _buffer = new byte[_buffer.Length * 2];
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }
}
