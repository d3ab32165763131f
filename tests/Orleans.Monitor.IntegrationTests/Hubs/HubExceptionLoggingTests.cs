using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Monitor.Api.Hubs;

namespace Orleans.Monitor.IntegrationTests.Hubs;

/// <summary>
/// The logger factory of <see cref="HubExceptionLogging"/>: only a <see cref="HubException"/> ending a hub invocation or
/// stream, logged by SignalR's dispatcher, goes down to Debug; every other error keeps its level.
/// </summary>
public sealed class HubExceptionLoggingTests
{
    [Theory]
    [InlineData(HubExceptionLogging.DispatcherCategory, 25, true, LogLevel.Debug)]
    [InlineData(HubExceptionLogging.DispatcherCategory, 8, true, LogLevel.Debug)]
    [InlineData(HubExceptionLogging.DispatcherCategory, 25, false, LogLevel.Error)]
    [InlineData(HubExceptionLogging.DispatcherCategory, 8, false, LogLevel.Error)]
    [InlineData(HubExceptionLogging.DispatcherCategory, 3, true, LogLevel.Error)]
    [InlineData("Orleans.Monitor.Api.Hubs.LiveHub", 25, true, LogLevel.Error)]
    public void Log_ErrorEntry_OnlyClientHubExceptionsOfTheDispatcherAtDebug(string category, int eventId, bool hubException, LogLevel expected)
    {
        var provider = new AllLevels();
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider))
            .AddHubExceptionsAtDebug();
        using var container = services.BuildServiceProvider();
        var logger = container.GetRequiredService<ILoggerFactory>().CreateLogger(category);
        Exception exception = hubException ? new HubException("No host with id 'x' is known to this cluster.") : new InvalidOperationException("broken");

        logger.Log(LogLevel.Error, new EventId(eventId), "failed", exception, (s, _) => s);

        var entry = Assert.Single(provider.Entries);
        Assert.Equal((expected, exception), entry);
    }

    private sealed class AllLevels : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel, Exception?)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, exception));

        public void Dispose()
        {
        }
    }
}
