using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Live;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Storage.Membership;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// The live view of a cluster: one Server-Sent Events subscription per live silo (learned from membership), merged
/// into one broadcaster. A silo whose lease ended turns its host <c>down</c>; a silo that is alive but does not
/// answer (or answers garbage) turns its host <c>unreachable</c>. One bad silo never stalls the others.
/// </summary>
public sealed partial class ClusterLiveFeed(
    MembershipListener membership,
    HostFrameBroadcaster broadcaster,
    TimeProvider clock,
    ILogger<ClusterLiveFeed> logger) : ILiveFeed, IHostedService, IDisposable
{
    /// <summary>A silo publishes every second; this much silence means the stream hangs.</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan WindowTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly ConcurrentDictionary<string, SiloSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _hostEndpoints = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private IDisposable? _membershipSubscription;

    public IReadOnlyCollection<HostFrame> Latest => broadcaster.Latest;

    public IAsyncEnumerable<HostFrame> SubscribeAsync(CancellationToken cancellationToken) => broadcaster.SubscribeAsync(cancellationToken);

    public async Task<IReadOnlyList<SamplePoint>?> GetWindowAsync(string containerId, int seconds, CancellationToken cancellationToken)
    {
        var host = broadcaster.Latest.FirstOrDefault(f => f.Containers.Any(c => c.Container.Id == containerId));
        if (host is null || !_hostEndpoints.TryGetValue(host.HostId, out var endpoint))
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WindowTimeout);
        try
        {
            return await _http.GetFromJsonAsync<SamplePoint[]>(
                $"{endpoint}/silo/v1/containers/{Uri.EscapeDataString(containerId)}/window?seconds={seconds}", Json, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogWindowFailed(containerId, endpoint, ex.Message);
            return null;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _membershipSubscription = membership.Subscribe(OnMembershipChangedAsync);
        if (membership.Current is { } current)
        {
            Reconcile(current);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _membershipSubscription?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_subscriptions.Values.Select(s => s.Completion)).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _http.Dispose();
    }

    private Task OnMembershipChangedAsync(MembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        Reconcile(snapshot);
        return Task.CompletedTask;
    }

    private void Reconcile(MembershipSnapshot snapshot)
    {
        lock (_gate)
        {
            var alive = snapshot.Alive.GroupBy(s => s.DockerHostId).Select(g => g.MaxBy(s => s.Generation)!).ToList();
            var wanted = alive.ToDictionary(SubscriptionKey, StringComparer.Ordinal);
            foreach (var (key, subscription) in _subscriptions)
            {
                if (!wanted.ContainsKey(key))
                {
                    _subscriptions.TryRemove(key, out _);
                    subscription.Cancel();
                }
            }

            foreach (var (key, silo) in wanted)
            {
                _hostEndpoints[silo.DockerHostId] = silo.Endpoint;
                _subscriptions.GetOrAdd(key, _ => SiloSubscription.Start(this, silo, _stopping.Token));
            }

            // A host whose newest silo is not alive is down; keep its last frame so the page can show what it had.
            var aliveHosts = alive.Select(s => s.DockerHostId).ToHashSet(StringComparer.Ordinal);
            foreach (var dead in snapshot.Silos.Where(s => !aliveHosts.Contains(s.DockerHostId)).GroupBy(s => s.DockerHostId))
            {
                var newest = dead.MaxBy(s => s.Generation)!;
                MarkHost(newest.DockerHostId, HostStatus.Down, $"silo {newest.SiloId} is gone (lease ended)", newest.LastHeartbeat);
            }
        }
    }

    private static string SubscriptionKey(SiloEntry silo) => $"{silo.DockerHostId}|{silo.SiloId}|{silo.Generation}|{silo.Endpoint}";

    private void MarkHost(string hostId, string status, string error, DateTimeOffset? lastSeen)
    {
        var last = broadcaster.Get(hostId);
        if (last is not null && last.Status == status)
        {
            return;
        }

        var seen = last?.LastSeen ?? lastSeen;
        broadcaster.Publish(new HostFrame(
            (last?.Sequence ?? 0) + 1,
            clock.GetUtcNow(),
            last?.Host,
            hostId,
            status,
            seen,
            error,
            last is null ? [] : [.. last.Containers.Select(c => c with { Sample = null })]));
    }

    private async Task FollowAsync(SiloEntry silo, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReadStreamAsync(silo, () => failures = 0, cancellationToken).ConfigureAwait(false);
                throw new HttpRequestException("the stream ended");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException or OperationCanceledException or FormatException)
            {
                failures++;
                if (failures == 1)
                {
                    LogSiloUnreachable(silo.SiloId, silo.Endpoint, ex.Message);
                }

                MarkHost(silo.DockerHostId, HostStatus.Unreachable, $"silo {silo.SiloId} at {silo.Endpoint} does not answer: {ex.Message}", null);
            }

            var delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
            try
            {
                await Task.Delay(delay * (0.5 + (Random.Shared.NextDouble() / 2)), clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadStreamAsync(SiloEntry silo, Action onFrame, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        using var response = await _http.GetAsync($"{silo.Endpoint}/silo/v1/stream", HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        var parser = SseParser.Create(stream, static (_, data) => JsonSerializer.Deserialize<HostFrame>(data, Json));
        await foreach (var item in parser.EnumerateAsync(stall.Token).ConfigureAwait(false))
        {
            if (item.Data is not { } frame || frame.HostId != silo.DockerHostId)
            {
                throw new FormatException($"silo {silo.SiloId} sent a frame for another host or an empty frame");
            }

            stall.CancelAfter(StallTimeout);
            onFrame();
            broadcaster.Publish(frame);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {SiloId} at {Endpoint} is unreachable or sends garbage: {Reason}; its host shows as unreachable, retrying")]
    private partial void LogSiloUnreachable(string siloId, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Window of {ContainerId} from {Endpoint} failed: {Reason}")]
    private partial void LogWindowFailed(string containerId, string endpoint, string reason);

    /// <summary>One silo's stream, followed until membership says it is gone.</summary>
    private sealed class SiloSubscription
    {
        private readonly CancellationTokenSource _cancel;

        private SiloSubscription(CancellationTokenSource cancel, Task completion)
        {
            _cancel = cancel;
            Completion = completion;
        }

        public Task Completion { get; }

        public static SiloSubscription Start(ClusterLiveFeed feed, SiloEntry silo, CancellationToken stopping)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var completion = Task.Run(() => feed.FollowAsync(silo, cancel.Token), CancellationToken.None);
            return new SiloSubscription(cancel, completion);
        }

        public void Cancel() => _cancel.Cancel();
    }
}
