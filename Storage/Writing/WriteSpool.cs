using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Metrics;

namespace Orleans.Monitor.Storage.Writing;

/// <summary>
/// Rows accepted by <see cref="AggregateWriter"/> and not yet written, on local disk: one JSON line per row in numbered
/// segment files (<c>{seq}.jsonl</c>) under <see cref="SpoolOptions.Path"/>. A row is appended (and handed to the
/// operating system) before the writer accepts it, so it survives a killed process; segments are deleted once every
/// row in them is in the store; at start the segments left by an earlier process are read back in order. Bounded by
/// <see cref="SpoolOptions.MaxRows"/>: the oldest segment goes first, with a warning. One process uses a folder at a
/// time (a lock file).
/// </summary>
public sealed partial class WriteSpool : IDisposable
{
    private const string Extension = ".jsonl";

    private readonly Lock _gate = new();
    private readonly ILogger<WriteSpool> _logger;
    private readonly int _maxRows;
    private readonly int _segmentRows;
    private readonly List<Segment> _sealed = [];
    private FileStream? _lock;
    private FileStream? _current;
    private Segment? _currentSegment;
    private long _nextSeq;
    private long _rows;
    private bool _enabled;

    public WriteSpool(IOptions<SpoolOptions> options, IOptions<StorageOptions> storage, ILogger<WriteSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        var settings = options.Value;
        _logger = logger;
        _enabled = settings.Enabled;
        _maxRows = settings.MaxRows;
        _segmentRows = Math.Max(1, settings.MaxRows / 10);
        Folder = System.IO.Path.GetFullPath(settings.Path ?? System.IO.Path.Combine(storage.Value.DataPath, "spool"));
    }

    /// <summary>A spool that keeps nothing (rows live in memory only).</summary>
    public static WriteSpool None() =>
        new(
            Options.Create(new SpoolOptions { Enabled = false }),
            Options.Create(new StorageOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<WriteSpool>.Instance);

    /// <summary>The spool folder.</summary>
    public string Folder { get; }

    /// <summary>True when the spool is on and its folder holds rows an earlier process left (read without taking the folder).</summary>
    public bool HasSpooledRows()
    {
        try
        {
            return _enabled && Directory.Exists(Folder)
                && Directory.EnumerateFiles(Folder, "*" + Extension).Any(f => new FileInfo(f).Length > 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Rows in the spool's files now.</summary>
    public long Rows
    {
        get
        {
            lock (_gate)
            {
                return _rows;
            }
        }
    }

    /// <summary>Rows dropped because the spool was full.</summary>
    public long DroppedRows { get; private set; }

    /// <summary>
    /// Takes the folder and returns the rows earlier processes left, oldest first; they stay on disk until a
    /// <see cref="Release"/> after the next <see cref="Seal"/>. Without the folder (in use, not writable) the spool is off,
    /// with a warning.
    /// </summary>
    public IReadOnlyList<SpoolEntry> Open()
    {
        lock (_gate)
        {
            if (!_enabled)
            {
                return [];
            }

            try
            {
                Directory.CreateDirectory(Folder);
                _lock = new FileStream(System.IO.Path.Combine(Folder, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _enabled = false;
                LogUnavailable(_logger, Folder, ex.Message);
                return [];
            }

            var entries = new List<SpoolEntry>();
            foreach (var (seq, path) in Directory.EnumerateFiles(Folder, "*" + Extension)
                .Select(p => (Seq: long.TryParse(System.IO.Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1, Path: p))
                .Where(s => s.Seq >= 0)
                .OrderBy(s => s.Seq))
            {
                var rows = 0;
                foreach (var line in File.ReadLines(path))
                {
                    if (Parse(line) is { } entry)
                    {
                        entries.Add(entry);
                        rows++;
                    }
                }

                _sealed.Add(new Segment(seq, path) { Rows = rows });
                _rows += rows;
                _nextSeq = seq + 1;
            }

            if (entries.Count > 0)
            {
                LogReplaying(_logger, entries.Count, _sealed.Count, Folder);
            }

            return entries;
        }
    }

    /// <summary>Appends one row; returns once the operating system has it.</summary>
    public void Append(MinuteAggregate aggregate) => Append(new SpoolEntry(aggregate, null));

    /// <summary>Appends one container event; returns once the operating system has it.</summary>
    public void Append(ContainerEvent containerEvent) => Append(new SpoolEntry(null, containerEvent));

    /// <summary>Closes the open segment: rows appended from now on go to a new one. Returns the mark to <see cref="Release"/>.</summary>
    public long Seal()
    {
        lock (_gate)
        {
            CloseCurrent();
            return _nextSeq - 1;
        }
    }

    /// <summary>Deletes the sealed segments up to <paramref name="mark"/>: every row in them is in the store.</summary>
    public void Release(long mark)
    {
        lock (_gate)
        {
            while (_sealed.Count > 0 && _sealed[0].Seq <= mark)
            {
                Delete(_sealed[0]);
                _sealed.RemoveAt(0);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            CloseCurrent();
            _lock?.Dispose();
            _lock = null;
            _enabled = false;
        }
    }

    private void Append(SpoolEntry entry)
    {
        lock (_gate)
        {
            if (!_enabled || _lock is null)
            {
                return;
            }

            try
            {
                if (_current is null)
                {
                    _currentSegment = new Segment(_nextSeq, System.IO.Path.Combine(Folder, _nextSeq.ToString("D12", CultureInfo.InvariantCulture) + Extension));
                    _nextSeq++;
                    _current = new FileStream(_currentSegment.Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
                }

                var line = JsonSerializer.SerializeToUtf8Bytes(entry);
                _current.Write(line);
                _current.WriteByte((byte)'\n');
                _current.Flush();
                _currentSegment!.Rows++;
                _rows++;
                if (_currentSegment.Rows >= _segmentRows)
                {
                    CloseCurrent();
                }

                DropOldestBeyondBound();
            }
            catch (IOException ex)
            {
                // A full or failing disk must not stop sampling: the row is still queued in memory.
                LogAppendFailed(_logger, Folder, ex.Message);
            }
        }
    }

    private void DropOldestBeyondBound()
    {
        long dropped = 0;
        while (_rows > _maxRows && _sealed.Count > 0)
        {
            dropped += _sealed[0].Rows;
            Delete(_sealed[0]);
            _sealed.RemoveAt(0);
        }

        if (dropped > 0)
        {
            DroppedRows += dropped;
            LogDropped(_logger, _maxRows, dropped);
        }
    }

    private void CloseCurrent()
    {
        if (_current is null)
        {
            return;
        }

        _current.Dispose();
        _current = null;
        _sealed.Add(_currentSegment!);
        _currentSegment = null;
    }

    private void Delete(Segment segment)
    {
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException ex)
        {
            LogAppendFailed(_logger, Folder, ex.Message);
        }

        _rows -= segment.Rows;
    }

    private SpoolEntry? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SpoolEntry>(Encoding.UTF8.GetBytes(line)) is { } entry && (entry.Aggregate ?? (object?)entry.Event) is not null ? entry : null;
        }
        catch (JsonException ex)
        {
            // The last line of a killed process may be cut short; every line before it is whole.
            LogUnreadableLine(_logger, Folder, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The spool folder {Folder} cannot be used ({Reason}); rows not yet written are kept in memory only")]
    private static partial void LogUnavailable(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying {Rows} rows from {Segments} spool segments in {Folder}")]
    private static partial void LogReplaying(ILogger logger, int rows, int segments, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The spool is full (Storage:Spool:MaxRows = {MaxRows}); dropped the {Dropped} oldest rows")]
    private static partial void LogDropped(ILogger logger, int maxRows, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the spool in {Folder} failed: {Reason}")]
    private static partial void LogAppendFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an unreadable spool line in {Folder}: {Reason}")]
    private static partial void LogUnreadableLine(ILogger logger, string folder, string reason);

    private sealed class Segment(long seq, string path)
    {
        public long Seq { get; } = seq;

        public string Path { get; } = path;

        public int Rows { get; set; }
    }
}

/// <summary>One spooled row: a minute aggregate or a container event.</summary>
public sealed record SpoolEntry(MinuteAggregate? Aggregate, ContainerEvent? Event);
