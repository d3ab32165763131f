using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.Grains.Stats;
using Orleans.Monitor.Grains.Stats.Cgroup;

namespace Orleans.Monitor.UnitTests.Stats.Cgroup;

public sealed class StatsSourceSelectorTests
{
    [Theory]
    [InlineData("v1-cgroupfs")]
    [InlineData("v1-systemd")]
    [InlineData("v2-systemd")]
    public void ProbeCgroup_ReadableTree_ReportsNothingMissing(string treeName)
    {
        using var tree = CgroupTree.Recorded(treeName);

        Assert.Null(StatsSourceSelector.ProbeCgroup(new CgroupOptions { ProcRoot = tree.ProcRoot, CgroupRoot = tree.CgroupRoot }));
    }

    [Fact]
    public void ProbeCgroup_NoMemoryController_NamesWhatIsMissing()
    {
        using var tree = CgroupTree.Copy("v1-cgroupfs");
        Directory.Delete(tree.PathOf("cgroup/memory"), recursive: true);

        var missing = StatsSourceSelector.ProbeCgroup(new CgroupOptions { ProcRoot = tree.ProcRoot, CgroupRoot = tree.CgroupRoot });

        Assert.Equal($"cannot find the cpuacct and memory controllers under {tree.CgroupRoot}", missing);
    }

    [Fact]
    public void ProbeCgroup_NoHostProc_NamesTheFile()
    {
        using var tree = CgroupTree.Recorded("v1-cgroupfs");

        var missing = StatsSourceSelector.ProbeCgroup(new CgroupOptions { ProcRoot = "/nonexistent/proc", CgroupRoot = tree.CgroupRoot });

        Assert.Equal("cannot read /nonexistent/proc/stat: not found", missing);
    }

    [Fact]
    public void AddStatsSource_AutoWithUnreadableCgroups_FallsBackToApiWithOneWarning()
    {
        var logs = new ListLoggerProvider();
        using var host = Build(logs, ("Stats:Cgroup:ProcRoot", "/nonexistent/proc"));

        var source = host.Services.GetRequiredService<IStatsSource>();
        _ = host.Services.GetRequiredService<IStatsSource>();

        Assert.Equal("docker-api", source.Name);
        var warning = Assert.Single(logs.Messages, m => m.Level == LogLevel.Warning);
        Assert.Equal("cannot read /nonexistent/proc/stat: not found; using the Docker API source", warning.Text);
    }

    [Theory]
    [InlineData("v1-cgroupfs", "auto", "cgroup")]
    [InlineData("v2-systemd", "AUTO", "cgroup")]
    [InlineData("v1-cgroupfs", "docker-api", "docker-api")]
    [InlineData("v1-cgroupfs", "cgroup", "cgroup")]
    public void AddStatsSource_Setting_SelectsSource(string treeName, string setting, string expected)
    {
        using var tree = CgroupTree.Recorded(treeName);
        var logs = new ListLoggerProvider();
        using var host = Build(
            logs, ("Stats:Source", setting), ("Stats:Cgroup:ProcRoot", tree.ProcRoot), ("Stats:Cgroup:CgroupRoot", tree.CgroupRoot));

        Assert.Equal(expected, host.Services.GetRequiredService<IStatsSource>().Name);
        Assert.DoesNotContain(logs.Messages, m => m.Level >= LogLevel.Warning);
    }

    [Fact]
    public void AddStatsSource_UnknownSetting_FailsNamingTheSetting()
    {
        using var host = Build(new ListLoggerProvider(), ("Stats:Source", "prometheus"));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStatsSource>());

        Assert.Contains("Stats:Source", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(ListLoggerProvider logs, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Logging.AddProvider(logs);
        builder.AddDockerDaemon();
        builder.AddStatsSource();
        return builder.Build();
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(Messages);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<(LogLevel Level, string Text)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (messages)
                {
                    messages.Add((logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
