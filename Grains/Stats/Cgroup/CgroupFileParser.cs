using System.Buffers.Text;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>
/// Parses cgroup and procfs file contents straight from the bytes read, so a sample allocates nothing.
/// </summary>
internal static class CgroupFileParser
{
    /// <summary>The kernel's clock ticks per second for cpuacct.stat and /proc/stat (USER_HZ), as nanoseconds per tick.</summary>
    public const ulong NanosecondsPerTick = 10_000_000;

    /// <summary>Parses a one-number file such as <c>memory.usage_in_bytes</c>; <c>max</c> gives <paramref name="whenMax"/>.</summary>
    public static ulong ParseSingle(ReadOnlySpan<byte> content, ulong whenMax = 0)
    {
        var value = content.Trim(" \t\n"u8);
        if (value.SequenceEqual("max"u8))
        {
            return whenMax;
        }

        return Utf8Parser.TryParse(value, out ulong number, out var consumed) && consumed == value.Length ? number : 0;
    }

    /// <summary>Reads the value of <paramref name="key"/> in a flat-keyed file (<c>key value</c> per line).</summary>
    public static ulong FindKey(ReadOnlySpan<byte> content, ReadOnlySpan<byte> key)
    {
        foreach (var (name, value) in new KeyValueLines(content))
        {
            if (name.SequenceEqual(key))
            {
                return value;
            }
        }

        return 0;
    }

    /// <summary>
    /// Sums the <c>Read</c> and <c>Write</c> lines of a v1 blkio file over all devices. <c>Total</c> (no device),
    /// <c>Sync</c>, <c>Async</c> and <c>Discard</c> are left out, as docker does.
    /// </summary>
    /// <returns>Whether any device line was present: containerd falls back to the throttle file when not.</returns>
    public static bool SumBlkio(ReadOnlySpan<byte> content, out ulong read, out ulong write)
    {
        read = 0;
        write = 0;
        var anyDevice = false;
        foreach (var line in content.Split((byte)'\n'))
        {
            var fields = content[line];
            var firstSpace = fields.IndexOf((byte)' ');
            if (firstSpace <= 0 || fields[..firstSpace].IndexOf((byte)':') < 0)
            {
                continue;
            }

            anyDevice = true;
            var rest = fields[(firstSpace + 1)..];
            var secondSpace = rest.IndexOf((byte)' ');
            if (secondSpace <= 0 || !Utf8Parser.TryParse(rest[(secondSpace + 1)..], out ulong value, out _))
            {
                continue;
            }

            var op = rest[..secondSpace];
            if (op.SequenceEqual("Read"u8))
            {
                read += value;
            }
            else if (op.SequenceEqual("Write"u8))
            {
                write += value;
            }
        }

        return anyDevice;
    }

    /// <summary>Sums <c>rbytes=</c> and <c>wbytes=</c> of a v2 <c>io.stat</c> over all devices.</summary>
    public static void SumIoStat(ReadOnlySpan<byte> content, out ulong read, out ulong write)
    {
        read = 0;
        write = 0;
        foreach (var line in content.Split((byte)'\n'))
        {
            foreach (var field in content[line].Split((byte)' '))
            {
                var pair = content[line][field];
                if (pair.StartsWith("rbytes="u8) && Utf8Parser.TryParse(pair["rbytes="u8.Length..], out ulong r, out _))
                {
                    read += r;
                }
                else if (pair.StartsWith("wbytes="u8) && Utf8Parser.TryParse(pair["wbytes="u8.Length..], out ulong w, out _))
                {
                    write += w;
                }
            }
        }
    }

    /// <summary>
    /// Sums received and transmitted bytes of <c>/proc/&lt;pid&gt;/net/dev</c> over the interfaces dockerd counts: the
    /// endpoints libnetwork moved into the sandbox, which it names <c>eth0</c>, <c>eth1</c>, ... (its default prefix,
    /// kept by plugin drivers such as weave's <c>ethwe0</c>). Not <c>lo</c>, not the fallback tunnel devices the kernel
    /// puts in every namespace (<c>tunl0</c>, <c>sit0</c>, <c>ip6tnl0</c>, ...), not what the container made itself
    /// (a Docker-in-Docker <c>docker0</c> and its veths). Returns false when there is no such interface: Docker then
    /// reports no network at all.
    /// </summary>
    public static bool SumNetDev(ReadOnlySpan<byte> content, out ulong rxBytes, out ulong txBytes)
    {
        rxBytes = 0;
        txBytes = 0;
        var endpoints = 0;
        foreach (var line in content.Split((byte)'\n'))
        {
            var text = content[line];
            var colon = text.IndexOf((byte)':');
            if (colon < 0)
            {
                continue;
            }

            var name = text[..colon].Trim((byte)' ');
            if (!name.StartsWith("eth"u8))
            {
                continue;
            }

            endpoints++;

            // Fields after the colon: rx bytes packets errs drop fifo frame compressed multicast, then tx bytes ...
            var index = 0;
            var values = text[(colon + 1)..];
            foreach (var field in values.Split((byte)' '))
            {
                var number = values[field];
                if (number.IsEmpty)
                {
                    continue;
                }

                if (index == 0 && Utf8Parser.TryParse(number, out ulong rx, out _))
                {
                    rxBytes += rx;
                }
                else if (index == 8 && Utf8Parser.TryParse(number, out ulong tx, out _))
                {
                    txBytes += tx;
                    break;
                }

                index++;
            }
        }

        return endpoints > 0;
    }

    /// <summary>
    /// Reads the host's CPU time as dockerd does: the first 7 fields of <c>/proc/stat</c>'s <c>cpu</c> line
    /// (user to softirq, no steal or guest) in ticks, and the number of <c>cpuN</c> lines.
    /// </summary>
    /// <returns>False when the content ended inside the cpu lines, so a bigger read is needed.</returns>
    public static bool TryParseProcStat(ReadOnlySpan<byte> content, out ulong systemTicks, out int onlineCpus)
    {
        systemTicks = 0;
        onlineCpus = 0;
        foreach (var line in content.Split((byte)'\n'))
        {
            var text = content[line];
            if (!text.StartsWith("cpu"u8))
            {
                return systemTicks > 0;
            }

            if (line.End.Value == content.Length)
            {
                // The buffer ended mid-line; this line may be cut short.
                return false;
            }

            if (text.Length > 3 && text[3] is >= (byte)'0' and <= (byte)'9')
            {
                onlineCpus++;
                continue;
            }

            var index = 0;
            var values = text[3..];
            foreach (var field in values.Split((byte)' '))
            {
                var number = values[field];
                if (number.IsEmpty)
                {
                    continue;
                }

                if (Utf8Parser.TryParse(number, out ulong ticks, out _))
                {
                    systemTicks += ticks;
                }

                if (++index == 7)
                {
                    break;
                }
            }
        }

        return false;
    }

    /// <summary>Reads <c>MemTotal</c> of <c>/proc/meminfo</c> in bytes; dockerd clamps memory limits to it.</summary>
    public static ulong ParseMemTotal(ReadOnlySpan<byte> content)
    {
        foreach (var line in content.Split((byte)'\n'))
        {
            var text = content[line];
            if (!text.StartsWith("MemTotal:"u8))
            {
                continue;
            }

            var value = text["MemTotal:"u8.Length..].Trim((byte)' ');
            return Utf8Parser.TryParse(value, out ulong kilobytes, out _) ? kilobytes * 1024 : 0;
        }

        return 0;
    }
}

/// <summary>Enumerates <c>key value</c> lines (cpu.stat, memory.stat, cpuacct.stat) without allocating.</summary>
internal ref struct KeyValueLines(ReadOnlySpan<byte> content)
{
    private ReadOnlySpan<byte> _rest = content;

    public KeyValueLine Current { get; private set; }

    public readonly KeyValueLines GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            var end = _rest.IndexOf((byte)'\n');
            var line = end < 0 ? _rest : _rest[..end];
            _rest = end < 0 ? [] : _rest[(end + 1)..];

            var space = line.IndexOf((byte)' ');
            if (space <= 0)
            {
                continue;
            }

            var value = line[(space + 1)..].Trim((byte)' ');
            Current = new KeyValueLine(line[..space], Utf8Parser.TryParse(value, out ulong number, out _) ? number : 0);
            return true;
        }

        return false;
    }
}

/// <summary>One <c>key value</c> line.</summary>
internal readonly ref struct KeyValueLine(ReadOnlySpan<byte> key, ulong value)
{
    public ReadOnlySpan<byte> Key { get; } = key;

    public ulong Value { get; } = value;

    public void Deconstruct(out ReadOnlySpan<byte> key, out ulong value)
    {
        key = Key;
        value = Value;
    }
}
