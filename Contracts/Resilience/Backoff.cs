using Polly;
using Polly.Retry;

namespace Orleans.Monitor.Contracts.Resilience;

/// <summary>
/// The one retry policy of the monitor: exponential backoff with jitter and a cap, for ever until cancelled (the
/// Nomad Docker driver's 5 s base and 2 min cap by default). Used to reach Docker, Redis and the cluster.
/// </summary>
public static class Backoff
{
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A pipeline that retries every exception <paramref name="shouldRetry"/> accepts, calling
    /// <paramref name="onRetry"/> (attempt number from 1, the exception, the delay before the next attempt) each time.
    /// </summary>
    public static ResiliencePipeline Forever(
        Func<Exception, bool> shouldRetry,
        Action<int, Exception, TimeSpan> onRetry,
        TimeProvider clock,
        TimeSpan? baseDelay = null,
        TimeSpan? maxDelay = null)
    {
        ArgumentNullException.ThrowIfNull(shouldRetry);
        ArgumentNullException.ThrowIfNull(onRetry);
        return new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && shouldRetry(ex)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? DefaultBaseDelay,
                MaxDelay = maxDelay ?? DefaultMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }
}
