using System.Text;
using Orleans.Monitor.Grains.Stats.Cgroup;

namespace Orleans.Monitor.UnitTests.Stats.Cgroup;

public sealed class CgroupFileParserTests
{
    [Theory]
    [InlineData("67108864\n", 67108864UL)]
    [InlineData("max\n", 7UL)]
    [InlineData("  42  ", 42UL)]
    [InlineData("", 0UL)]
    [InlineData("garbage\n", 0UL)]
    public void ParseSingle_Content_ReturnsValueOrMaxSubstitute(string content, ulong expected)
    {
        Assert.Equal(expected, CgroupFileParser.ParseSingle(Encoding.ASCII.GetBytes(content), whenMax: 7));
    }

    [Fact]
    public void FindKey_TotalAndLocalKeys_MatchesWholeKeyOnly()
    {
        var stat = "inactive_file 4096\ntotal_inactive_file 12288\n"u8;

        Assert.Equal(12288UL, CgroupFileParser.FindKey(stat, "total_inactive_file"u8));
        Assert.Equal(4096UL, CgroupFileParser.FindKey(stat, "inactive_file"u8));
        Assert.Equal(0UL, CgroupFileParser.FindKey(stat, "missing"u8));
    }

    [Fact]
    public void SumBlkio_AllOps_CountsOnlyReadAndWrite()
    {
        // Vector E7 of the stats reference, plus Discard from newer kernels.
        var content = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 8192\n8:0 Async 4096\n8:0 Discard 512\n8:0 Total 12288\nTotal 12288\n"u8;

        var any = CgroupFileParser.SumBlkio(content, out var read, out var write);

        Assert.True(any);
        Assert.Equal(4096UL, read);
        Assert.Equal(8192UL, write);
    }

    [Fact]
    public void SumBlkio_MultipleDevices_SumsOverDevices()
    {
        var content = "8:0 Read 100\n8:0 Write 1\n8:16 Read 200\n8:16 Write 2\n253:0 Read 300\nTotal 603\n"u8;

        CgroupFileParser.SumBlkio(content, out var read, out var write);

        Assert.Equal(600UL, read);
        Assert.Equal(3UL, write);
    }

    [Theory]
    [InlineData("Total 0\n")]
    [InlineData("")]
    public void SumBlkio_NoDeviceLines_ReportsUnpopulated(string content)
    {
        Assert.False(CgroupFileParser.SumBlkio(Encoding.ASCII.GetBytes(content), out _, out _));
    }

    [Fact]
    public void SumIoStat_MultipleDevices_SumsReadAndWriteBytes()
    {
        // Vector E4 of the stats reference; dbytes (discard) is not counted.
        var content = "8:0 rbytes=1048576 wbytes=4096 rios=10 wios=1 dbytes=0 dios=0\n8:16 rbytes=0 wbytes=2097152 rios=0 wios=4 dbytes=512 dios=1\n"u8;

        CgroupFileParser.SumIoStat(content, out var read, out var write);

        Assert.Equal(1048576UL, read);
        Assert.Equal(2101248UL, write);
    }

    [Fact]
    public void SumNetDev_SandboxWithOtherDevices_SumsOnlyDockerEndpoints()
    {
        var content = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
             tunl0:     700       7    0    0    0     0          0         0      700       7    0    0    0     0       0          0
              sit0:     300       3    0    0    0     0          0         0      300       3    0    0    0     0       0          0
            docker0:  90000      90    0    0    0     0          0         0    90000      90    0    0    0     0       0          0
              eth0:  123456     300    0    0    0     0          0         0    65432     200    0    0    0     0       0          0
              eth1:1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0

            """u8;

        var measured = CgroupFileParser.SumNetDev(content, out var rx, out var tx);

        Assert.True(measured);
        Assert.Equal(124456UL, rx);
        Assert.Equal(67432UL, tx);
    }

    [Fact]
    public void SumNetDev_NoneNetworkNamespace_NotMeasured()
    {
        var content = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
            ip6tnl0:    100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0

            """u8;

        Assert.False(CgroupFileParser.SumNetDev(content, out var rx, out var tx));
        Assert.Equal(0UL, rx + tx);
    }

    [Fact]
    public void TryParseProcStat_CpuLines_SumsFirstSevenFieldsAndCountsCpus()
    {
        var content = "cpu  32444 174 8763 65795 794 0 131 48 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n"u8;

        Assert.True(CgroupFileParser.TryParseProcStat(content, out var ticks, out var cpus));

        Assert.Equal(32444UL + 174 + 8763 + 65795 + 794 + 0 + 131, ticks);
        Assert.Equal(2, cpus);
    }

    [Fact]
    public void TryParseProcStat_BufferEndsInsideCpuLines_AsksForMore()
    {
        var content = "cpu  32444 174 8763 65795 794 0 131 48 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2"u8;

        Assert.False(CgroupFileParser.TryParseProcStat(content, out _, out _));
    }

    [Fact]
    public void ParseMemTotal_Meminfo_ReturnsBytes()
    {
        Assert.Equal(24684084UL * 1024, CgroupFileParser.ParseMemTotal("MemTotal:       24684084 kB\nMemFree: 1 kB\n"u8));
    }
}
