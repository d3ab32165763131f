using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.NativeHttp;
using Docker.DotNet.Unix;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// The one Docker daemon this silo watches, read through Docker.DotNet: read-only calls, except the Swarm service
/// replica update the autoscaler sends (<see cref="UpdateServiceReplicasAsync"/>), only when <c>Autoscale:Enabled</c>. Requests carry no
/// API version, so the daemon answers in its own. Whatever goes wrong surfaces as a <see cref="DockerException"/>:
/// <see cref="DockerNotFoundException"/> for a 404, <see cref="DockerUnavailableException"/> when the daemon cannot
/// be reached, does not answer within <see cref="DockerOptions.RequestTimeout"/>, or a stream from it breaks.
/// </summary>
public sealed partial class DockerDaemon : IDisposable
{
    private readonly DockerClient _client;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _connectTimeout;
    private readonly string? _socketPath;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DockerDaemon> _logger;

    /// <exception cref="OptionsValidationException">The resolved host is neither <c>unix://</c> nor <c>tcp://</c>.</exception>
    public DockerDaemon(IOptions<DockerOptions> options, TimeProvider timeProvider, ILogger<DockerDaemon> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        Host = settings.ResolveHost(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        if (!DockerOptions.TryParseHost(Host, out var endpoint, out var error))
        {
            throw new OptionsValidationException(nameof(DockerOptions), typeof(DockerOptions), [$"Docker:Host (or DOCKER_HOST): {error}"]);
        }

        _requestTimeout = settings.RequestTimeout;
        _connectTimeout = settings.ConnectTimeout;
        _socketPath = endpoint!.Scheme == "unix" ? endpoint.LocalPath : null;
        _timeProvider = timeProvider;
        _logger = logger;
        _client = CreateClient(endpoint, settings.ConnectTimeout, logger);
    }

    /// <summary>The resolved endpoint, e.g. <c>unix:///var/run/docker.sock</c>: <c>Docker:Host</c>, else <c>DOCKER_HOST</c>, else the default.</summary>
    public string Host { get; }

    /// <summary>
    /// The host's facts from <c>GET /info</c>; <see cref="HostInfo.HostId"/> is the daemon <c>ID</c>, stable across
    /// restarts, and <see cref="HostInfo.ApiVersion"/> is <c>GET /version</c>'s <c>ApiVersion</c> (the one in use).
    /// </summary>
    /// <param name="statsSource">Copied to <see cref="HostInfo.StatsSource"/>.</param>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    /// <exception cref="DockerException">The daemon answered with an error.</exception>
    public async Task<HostInfo> GetHostInfoAsync(string statsSource, CancellationToken cancellationToken)
    {
        var info = await CallAsync("GET /info", (client, ct) => client.System.GetSystemInfoAsync(ct), cancellationToken).ConfigureAwait(false);
        var version = await CallAsync("GET /version", (client, ct) => client.System.GetVersionAsync(ct), cancellationToken).ConfigureAwait(false);
        return DockerMapper.ToHostInfo(info, version.APIVersion ?? string.Empty, statsSource);
    }

    /// <summary>
    /// Every container, stopped ones included (<c>GET /containers/json?all=1</c>). The list has no start or finish
    /// times; exit code and health come from its human-readable <c>Status</c>.
    /// </summary>
    /// <param name="hostId">Copied to each <see cref="ContainerInfo.HostId"/>.</param>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    /// <exception cref="DockerException">The daemon answered with an error.</exception>
    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(string hostId, CancellationToken cancellationToken)
    {
        var parameters = new ContainersListParameters { All = true };
        var list = await CallAsync(
            "GET /containers/json", (client, ct) => client.Containers.ListContainersAsync(parameters, ct), cancellationToken).ConfigureAwait(false);
        return list.Select(summary => DockerMapper.ToContainerInfo(summary, hostId)).ToList();
    }

    /// <summary>
    /// Inspects one container (<c>GET /containers/{id}/json</c>): times with Go's zero time as null, exit code only
    /// once it finished, and the limits from <c>HostConfig</c>.
    /// </summary>
    /// <param name="containerId">A full id, a unique id prefix, or a name.</param>
    /// <param name="hostId">Copied to <see cref="ContainerInfo.HostId"/>.</param>
    /// <exception cref="DockerNotFoundException">The container does not exist (any more).</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    /// <exception cref="DockerException">The daemon answered with another error.</exception>
    public async Task<DockerContainerDetails> InspectContainerAsync(string containerId, string hostId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        var inspect = await CallAsync(
            $"GET /containers/{containerId}/json", (client, ct) => client.Containers.InspectContainerAsync(containerId, ct), cancellationToken)
            .ConfigureAwait(false);
        return DockerMapper.ToDetails(inspect, hostId);
    }

    /// <summary>
    /// Streams container events (<c>GET /events</c>, <c>type=container</c>) until the token is cancelled or the
    /// daemon ends the stream. With <paramref name="sinceUnixNanoseconds"/> (an event's
    /// <see cref="DockerEvent.TimeNano"/>), first replays the daemon's buffered events from then on. No deadline
    /// but the token's: the stream may stay silent for hours.
    /// </summary>
    /// <exception cref="DockerUnavailableException">
    /// The daemon cannot be reached, or the stream broke (what a stopping daemon does; a clean end is also possible).
    /// </exception>
    public async IAsyncEnumerable<DockerEvent> StreamContainerEventsAsync(
        long? sinceUnixNanoseconds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
            },
            Since = sinceUnixNanoseconds is { } since ? DockerEvent.FormatSince(since) : null,
        };
        var messages = ProgressStream.ReadAsync<Message>(
            (progress, ct) => _client.System.MonitorEventsAsync(parameters, progress, ct),
            ex => StreamFailure(ex, "GET /events"),
            cancellationToken);
        await foreach (var message in messages.ConfigureAwait(false))
        {
            if (DockerMapper.ToEvent(message) is { } dockerEvent)
            {
                yield return dockerEvent;
            }
        }
    }

    /// <summary>
    /// A Swarm service by name or id (<c>GET /services/{name}</c>), with its spec and version for an update. Needs a
    /// manager: a worker or a daemon in no swarm answers 503.
    /// </summary>
    /// <exception cref="DockerNotFoundException">No such service.</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    /// <exception cref="DockerException">The daemon answered with another error (503 on a non-manager).</exception>
    internal async Task<DockerSwarmService> InspectServiceAsync(string service, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var inspected = await CallAsync(
            $"GET /services/{service}", (client, ct) => client.Swarm.InspectServiceAsync(service, ct), cancellationToken).ConfigureAwait(false);
        return new DockerSwarmService(inspected);
    }

    /// <summary>
    /// Sets a replicated service's replica count (<c>POST /services/{id}/update?version=N</c>) with the spec and
    /// version <paramref name="service"/> was inspected at; every other field of the spec is sent back unchanged.
    /// </summary>
    /// <exception cref="DockerVersionConflictException">The service changed since it was inspected: inspect again.</exception>
    /// <exception cref="DockerNotFoundException">The service no longer exists.</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    /// <exception cref="DockerException">The daemon refused the update.</exception>
    internal async Task UpdateServiceReplicasAsync(DockerSwarmService service, int replicas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        var spec = service.Model.Spec;
        var replicated = spec?.Mode?.Replicated
            ?? throw new DockerException(0, $"Swarm service '{service.Name}' is not replicated: it has no replica count to set.");
        replicated.Replicas = (ulong)replicas;
        var parameters = new ServiceUpdateParameters { Service = spec, Version = service.Version };
        var what = $"POST /services/{service.Id}/update";
        try
        {
            await CallAsync(what, (client, ct) => client.Swarm.UpdateServiceAsync(service.Id, parameters, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerException ex) when (ex is not DockerUnavailableException && DockerVersionConflictException.Matches(ex.Message))
        {
            throw new DockerVersionConflictException($"{what}: the service changed since version {service.Version}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// One stats frame with <c>stream=false&amp;one-shot=true</c>: answers within one collector tick, with
    /// <c>precpu_stats</c> zeroed (without one-shot the daemon samples twice and takes 2 s).
    /// </summary>
    /// <exception cref="DockerNotFoundException">The container does not exist.</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or did not answer in time.</exception>
    internal async Task<ContainerStatsResponse> GetStatsOnceAsync(string containerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        var what = $"GET /containers/{containerId}/stats?one-shot=true";
        var parameters = new ContainerStatsParameters { Stream = false, OneShot = true };
        var frame = await CallAsync(
            what,
            async (client, ct) =>
            {
                var first = new FirstReport<ContainerStatsResponse>();
                await client.Containers.GetContainerStatsAsync(containerId, parameters, first, ct).ConfigureAwait(false);
                return first.Value;
            },
            cancellationToken).ConfigureAwait(false);
        return frame ?? throw new DockerException(0, $"{what} returned no frame.");
    }

    /// <summary>
    /// Frames of <c>stream=true</c>, one per daemon tick (about 1 s), until the container is removed (the daemon
    /// ends the stream) or the token is cancelled. A stopped container keeps its stream, with zero frames
    /// (<c>read</c> in year 1). No deadline but the token's.
    /// </summary>
    /// <exception cref="DockerNotFoundException">The container does not exist.</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached, or the stream broke.</exception>
    internal IAsyncEnumerable<ContainerStatsResponse> StreamStatsAsync(string containerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        var parameters = new ContainerStatsParameters { Stream = true };
        return ProgressStream.ReadAsync<ContainerStatsResponse>(
            (progress, ct) => _client.Containers.GetContainerStatsAsync(containerId, parameters, progress, ct),
            ex => StreamFailure(ex, $"GET /containers/{containerId}/stats"),
            cancellationToken);
    }

    private static DockerClient CreateClient(Uri endpoint, TimeSpan connectTimeout, ILogger logger)
    {
        // Our deadlines come from tokens (CallAsync), so the library's own per-request timeout (100 s) is off.
        var builder = new DockerClientBuilder()
            .WithEndpoint(endpoint)
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithLogger(logger);
        if (endpoint.Scheme == "unix")
        {
            // The unix transport would honour HTTP_PROXY from the environment (common in containers) even for a socket.
            return builder.WithTransportOptions(new UnixSocketTransportOptions { ConfigureHandler = handler => handler.UseProxy = false })
                .Build();
        }

        // tcp: SocketsHttpHandler, for its connect timeout; every stats stream holds a connection, hence no cap.
        return builder.WithTransportOptions(new NativeHttpTransportOptions
        {
            ConfigureHandler = handler =>
            {
                handler.ConnectTimeout = connectTimeout;
                handler.UseProxy = false;
                handler.MaxConnectionsPerServer = int.MaxValue;
                handler.AutomaticDecompression = DecompressionMethods.None;
            },
        }).Build();
    }

    /// <summary>Runs one non-streaming call under <see cref="DockerOptions.RequestTimeout"/> and translates its failure.</summary>
    private async Task<T> CallAsync<T>(string what, Func<DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await call(_client, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogRequestFailed(_logger, what, ex.Message);
            throw new DockerUnavailableException(Host, $"{what} got no answer within {_requestTimeout}", ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Translate(ex, what) is { } failure)
        {
            LogRequestFailed(_logger, what, failure.Message);
            throw failure;
        }
    }

    private Exception StreamFailure(Exception exception, string what)
    {
        var failure = Translate(exception, what);
        LogStreamFailed(_logger, what, exception);
        return failure ?? exception;
    }

    /// <summary>Docker.DotNet's and the transport's exceptions as ours, or null for one that is neither (a bug).</summary>
    /// <param name="what">The request, e.g. <c>GET /info</c>, for the message.</param>
    internal DockerException? Translate(Exception exception, string what) => exception switch
    {
        DockerException ours => ours,
        // DockerContainerNotFoundException, and a 404 on any other path.
        DockerApiException { StatusCode: HttpStatusCode.NotFound } notFound => new DockerNotFoundException(ErrorMessage(notFound), notFound),
        DockerApiException api => new DockerException(api.StatusCode, $"{what}: Docker answered {(int)api.StatusCode}: {ErrorMessage(api)}", api),
        // What a stream throws when the daemon stops mid-response (the unix transport: "Invalid chunk header").
        IOException => new DockerUnavailableException(Host, $"{what} broke: {Describe(exception)}", exception),
        HttpRequestException or SocketException or TimeoutException =>
            new DockerUnavailableException(Host, $"{what} failed: {Describe(exception)}", exception),
        // Neither the caller nor our deadline cancelled it: the transport's connect timeout did.
        OperationCanceledException => new DockerUnavailableException(Host, $"{what}: no connection within {_connectTimeout}", exception),
        JsonException => new DockerException(0, $"{what}: unreadable answer: {exception.Message}", exception),
        _ => null,
    };

    /// <summary>The <c>message</c> of dockerd's <c>{"message": "..."}</c> error body, else the body itself.</summary>
    private static string ErrorMessage(DockerApiException exception)
    {
        var body = exception.ResponseBody?.Trim() ?? string.Empty;
        if (body.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString() ?? body;
                }
            }
            catch (JsonException)
            {
                // Not the usual shape: keep the raw body.
            }
        }

        return body;
    }

    /// <summary>The message plus its root cause: the transport says "Connection failed." and the socket says why.</summary>
    private string Describe(Exception exception)
    {
        var root = exception.GetBaseException();
        if (root is SocketException && _socketPath is not null && !File.Exists(_socketPath))
        {
            // A missing socket file surfaces as "Cannot assign requested address", which points nowhere useful.
            return $"{exception.Message} (no socket at {_socketPath})";
        }

        return exception.Message.Contains(root.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message} ({root.Message})";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Docker {Request} failed: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, string request, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Docker stream {Request} failed")]
    private static partial void LogStreamFailed(ILogger logger, string request, Exception exception);

    /// <summary>Keeps the first value reported; the library reports synchronously from its read loop.</summary>
    private sealed class FirstReport<T> : IProgress<T>
        where T : class
    {
        public T? Value { get; private set; }

        public void Report(T value) => Value ??= value;
    }
}
