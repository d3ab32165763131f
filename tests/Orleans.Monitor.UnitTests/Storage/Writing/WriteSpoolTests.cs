using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Storage;
using Orleans.Monitor.Storage.Writing;

namespace Orleans.Monitor.UnitTests.Storage.Writing;

public sealed class WriteSpoolTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "omon-spool-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Open_RowsLeftByAnEarlierProcess_ReturnsThemInOrder()
    {
        using (var first = Spool())
        {
            Assert.Empty(first.Open());
            for (var i = 0; i < 25; i++)
            {
                first.Append(Minute(i));
            }
        }

        using var second = Spool();
        var replayed = second.Open();

        Assert.Equal(Enumerable.Range(0, 25).Select(Minute), replayed.Select(e => e.Aggregate));
    }

    [Fact]
    public void Release_AfterSeal_DeletesWhatWasSealedOnly()
    {
        using (var spool = Spool())
        {
            spool.Open();
            spool.Append(Minute(0));
            var mark = spool.Seal();
            spool.Append(Minute(1));
            spool.Release(mark);
        }

        using var next = Spool();
        Assert.Equal([Minute(1)], next.Open().Select(e => e.Aggregate));
    }

    [Fact]
    public void Append_BeyondMaxRows_DropsTheOldestAndCountsThem()
    {
        using var spool = Spool(maxRows: 20);
        spool.Open();

        for (var i = 0; i < 50; i++)
        {
            spool.Append(Minute(i));
        }

        Assert.True(spool.Rows <= 20, $"{spool.Rows} rows kept");
        Assert.Equal(50 - spool.Rows, spool.DroppedRows);
        spool.Dispose();
        using var next = Spool(maxRows: 20);
        var kept = next.Open().Select(e => e.Aggregate!.Minute.Minute).ToList();
        Assert.Equal(Enumerable.Range(50 - kept.Count, kept.Count), kept);
    }

    [Fact]
    public void Open_TornLastLine_SkipsItAndKeepsTheRest()
    {
        using (var spool = Spool())
        {
            spool.Open();
            spool.Append(Minute(0));
        }

        var segment = Directory.GetFiles(_folder, "*.jsonl").Single();
        File.AppendAllText(segment, "{\"Aggregate\":{\"ContainerId\":\"c");

        using var next = Spool();
        Assert.Equal([Minute(0)], next.Open().Select(e => e.Aggregate));
    }

    [Fact]
    public void Open_RowsWithPeriodCounts_ReplaysThemWithTheCounts()
    {
        var rows = Enumerable.Range(0, 3).Select(i => Minute(i) with { ThrottlePeriods = 600 + i, ThrottledPeriods = 300 + i }).ToList();
        using (var spool = Spool())
        {
            spool.Open();
            rows.ForEach(spool.Append);
        }

        using var next = Spool();

        Assert.Equal(rows, next.Open().Select(e => e.Aggregate));
    }

    [Fact]
    public void Open_RowSpooledWithoutPeriodCounts_ReadsThemAsZero()
    {
        // A line as the version before the period counts wrote it.
        Directory.CreateDirectory(_folder);
        File.WriteAllText(
            Path.Combine(_folder, "000000000000.jsonl"),
            """{"Aggregate":{"ContainerId":"c","HostId":"h","Minute":"2026-03-21T10:00:00+00:00","SampleCount":60,"CpuPercentAvg":1.5,"CpuPercentMin":1,"CpuPercentMax":2,"CpuPercentP95":1.9,"MemoryUsedBytesAvg":100,"MemoryUsedBytesMin":90,"MemoryUsedBytesMax":110,"MemoryUsedBytesP95":108,"MemoryLimitBytes":1048576,"NetRxBytes":10,"NetTxBytes":20,"BlockReadBytes":3,"BlockWriteBytes":4,"PidsMax":5,"ThrottledTimeNanoseconds":6,"CpuTimeNanoseconds":7,"NetworkNamespace":"c"},"Event":null}""" + "\n");

        using var spool = Spool();
        var replayed = spool.Open();

        Assert.Equal([Minute(0)], replayed.Select(e => e.Aggregate));
        Assert.Equal(0, replayed[0].Aggregate!.ThrottlePeriods);
        Assert.Equal(0, replayed[0].Aggregate!.ThrottledPeriods);
    }

    [Fact]
    public void Open_FolderHeldByAnotherProcess_RunsWithoutSpool()
    {
        using var holder = Spool();
        holder.Open();
        using var other = Spool();

        Assert.Empty(other.Open());
        other.Append(Minute(0));

        Assert.Equal(0, other.Rows);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private WriteSpool Spool(int maxRows = 1_000) =>
        new(
            Options.Create(new SpoolOptions { Path = _folder, MaxRows = maxRows }),
            Options.Create(new StorageOptions()),
            NullLogger<WriteSpool>.Instance);

    private static MinuteAggregate Minute(int i) =>
        new("c", "h", new DateTimeOffset(2026, 3, 21, 10, i % 60, 0, TimeSpan.Zero).AddHours(i / 60), 60, 1.5, 1, 2, 1.9,
            100, 90, 110, 108, 1 << 20, i % 2 == 0 ? 10 : null, i % 2 == 0 ? 20 : null, 3, 4, 5, 6, 7, i % 2 == 0 ? "c" : null);
}
