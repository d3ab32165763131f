using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// Polls a probe until its value satisfies a condition, then returns that value; never a fixed sleep. A value that
/// does not satisfy the condition is "not yet" and retried; an exception from the probe fails at once. The timeout
/// message shows the last value seen.
/// </summary>
public static class Eventually
{
    private const int MaxDescribed = 4000;

    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(condition);
        T? last = default;
        var seen = false;
        await Poll.UntilAsync(
            async () =>
            {
                last = await probe();
                seen = true;
                return condition(last);
            },
            timeout,
            what,
            () => seen ? Describe(last) : "nothing (the probe never returned)");
        return last!;
    }

    /// <summary>
    /// GETs <paramref name="path"/> until its JSON satisfies <paramref name="condition"/>. A status in
    /// <paramref name="notYet"/> (e.g. 404 for a container the Api has not seen yet) is retried; any other status that
    /// is not 2xx fails at once with the response body.
    /// </summary>
    public static async Task<T> GetJsonAsync<T>(
        HttpClient client, string path, Func<T, bool> condition, TimeSpan timeout, string what, params HttpStatusCode[] notYet)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(condition);
        T? last = default;
        string? lastDescription = null;
        await Poll.UntilAsync(
            async () =>
            {
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                if (notYet.Contains(response.StatusCode))
                {
                    lastDescription = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    return false;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException(
                        $"GET {path} -> {(int)response.StatusCode} while waiting for {what}: {await response.Content.ReadAsStringAsync()}",
                        null,
                        response.StatusCode);
                }

                last = (await response.Content.ReadFromJsonAsync<T>(MonitorApp.Json))!;
                lastDescription = Describe(last);
                return condition(last);
            },
            timeout,
            $"GET {path}: {what}",
            () => lastDescription ?? "no response");
        return last!;
    }

    private static string Describe<T>(T value)
    {
        string text;
        try
        {
            text = value is string s ? s : JsonSerializer.Serialize(value, MonitorApp.Json);
        }
        catch (NotSupportedException)
        {
            text = value?.ToString() ?? "null";
        }

        return text.Length <= MaxDescribed ? text : text[..MaxDescribed] + "…";
    }
}
