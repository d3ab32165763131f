using Microsoft.Win32.SafeHandles;

namespace Orleans.Monitor.Grains.Stats.Cgroup;

/// <summary>
/// Opens cgroupfs and procfs files once; each positioned read at offset 0 regenerates fresh values, so a sample
/// costs one pread per file and no open or close.
/// </summary>
internal static class PseudoFile
{
    public static SafeFileHandle Open(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    /// <summary>Opens a file a kernel or a container may not have (pids controller, CFQ blkio files).</summary>
    public static SafeFileHandle? OpenOptional(string? directory, string name)
    {
        if (directory is null)
        {
            return null;
        }

        try
        {
            return Open(Path.Combine(directory, name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether an error means the container went away under us: its cgroup was removed (ENODEV on an open handle,
    /// ENOENT on open) or its process exited (ESRCH).
    /// </summary>
    public static bool IsGone(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => true,
        IOException io => io.HResult is Errno.NoEntry or Errno.NoSuchProcess or Errno.NoDevice,
        _ => false,
    };

    private static class Errno
    {
        // .NET on Unix puts the raw errno in IOException.HResult.
        public const int NoEntry = 2;
        public const int NoSuchProcess = 3;
        public const int NoDevice = 19;
    }
}

/// <summary>One growable buffer that a reader re-reads all its files into, one after another.</summary>
internal sealed class ReadBuffer(int initialSize = 4096)
{
    private byte[] _bytes = new byte[initialSize];

    /// <summary>Reads the whole file from offset 0; the span is valid until the next read.</summary>
    public ReadOnlySpan<byte> Read(SafeFileHandle handle)
    {
        while (true)
        {
            var count = RandomAccess.Read(handle, _bytes, 0);
            if (count < _bytes.Length)
            {
                return _bytes.AsSpan(0, count);
            }

            // A full buffer may mean a cut-off file: grow once and read again; steady state never gets here.
            _bytes = new byte[_bytes.Length * 2];
        }
    }
}
