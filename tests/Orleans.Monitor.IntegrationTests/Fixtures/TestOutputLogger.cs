using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>Sends a component's log to the test's output, so a failing test shows what the code saw.</summary>
public sealed class TestOutputLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {formatter(state, exception)} {exception}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; a background component may still log while it stops.
        }
    }
}
