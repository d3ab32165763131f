namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>Polls a probe until its value satisfies a condition, then returns that value; never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        T? last = default;
        Exception? error = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    last = await probe();
                    error = null;
                    return condition(last);
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    error = ex;
                    return false;
                }
            },
            timeout,
            what + (error is null ? "" : $" (last error: {error.Message})"));
        return last!;
    }
}
