using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Grains.Docker;
using Orleans.Monitor.IntegrationTests.Fixtures;

namespace Orleans.Monitor.IntegrationTests.Docker;

internal static class DockerTestClient
{
    /// <summary>A <see cref="DockerDaemon"/> for <paramref name="engine"/>; the caller disposes it.</summary>
    public static DockerDaemon Create(DockerEngine engine) => Create(engine.DockerHost);

    /// <inheritdoc cref="Create(DockerEngine)"/>
    public static DockerDaemon Create(string host) => new(
        Options.Create(new DockerOptions { Host = host, RequestTimeout = TimeSpan.FromSeconds(15) }),
        TimeProvider.System,
        NullLogger<DockerDaemon>.Instance);

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan deadline, string what)
    {
        using var cts = new CancellationTokenSource(deadline);
        T last = default!;
        while (!cts.IsCancellationRequested)
        {
            last = await probe();
            if (condition(last))
            {
                return last;
            }

            try
            {
                await Task.Delay(200, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Timed out after {deadline} waiting for {what}; last value: {last}");
    }

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
