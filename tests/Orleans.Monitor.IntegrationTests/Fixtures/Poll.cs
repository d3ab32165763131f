namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// Waits for a condition by polling it until a deadline; never a fixed sleep. Only "not yet" (false) is retried: a
/// condition that throws (an assertion, an unexpected HTTP status, a broken connection) fails the wait at once.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <param name="describeLast">What the condition saw last, for the timeout message.</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string?>? describeLast = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(Interval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                var last = describeLast?.Invoke();
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}." + (last is null ? "" : $" Last seen: {last}"));
            }
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, Func{string?}?)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string?>? describeLast = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, describeLast);
}
