using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Api.Hubs;

/// <summary>
/// SignalR logs every exception that ends a hub invocation or stream at Error with its stack trace, including a
/// <see cref="HubException"/>: the answer a client gets for a bad argument (a malformed or unknown host or container
/// id), whose message is meant for that client. Logged at Error, any client could fill the log. This logs exactly those
/// entries at Debug: SignalR's dispatcher category, its events <c>FailedInvokingHubMethod</c> (8) and
/// <c>FailedStreaming</c> (25), and a <see cref="HubException"/> only; every other exception stays at Error.
/// </summary>
public static class HubExceptionLogging
{
    /// <summary>The category of SignalR's hub dispatcher (<c>DefaultHubDispatcher&lt;THub&gt;</c>).</summary>
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    private const int FailedInvokingHubMethod = 8;
    private const int FailedStreaming = 25;

    /// <summary>Wraps the app's logger factory so the dispatcher's loggers log a client's <see cref="HubException"/> at Debug.</summary>
    public static IServiceCollection AddHubExceptionsAtDebug(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new Factory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
        return services;
    }

    /// <summary>Whether an entry is a client's <see cref="HubException"/> ending an invocation or a stream.</summary>
    public static bool IsClientHubException(EventId eventId, Exception? exception) =>
        exception is HubException && eventId.Id is FailedInvokingHubMethod or FailedStreaming;

    private sealed class Factory(LoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return string.Equals(categoryName, DispatcherCategory, StringComparison.Ordinal) ? new DispatcherLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class DispatcherLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && IsClientHubException(eventId, exception))
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
