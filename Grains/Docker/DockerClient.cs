using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Grains.Docker.Json;

namespace Orleans.Monitor.Grains.Docker;

/// <summary>
/// A read-only Docker Engine API client over a unix socket or plain TCP. Negotiates the API version once from
/// <c>/_ping</c> and prefixes every path with it; streams (events, stats) have no deadline but the caller's token.
/// </summary>
public sealed partial class DockerClient : IDisposable
{
    private const string ContainerEventsFilter = """{"type":["container"]}""";

    private readonly DockerEndpoint _endpoint;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DockerClient> _logger;
    private readonly HttpClient _http;
    private readonly Lock _versionLock = new();
    private Task<DockerApiVersion>? _version;

    public DockerClient(IOptions<DockerOptions> options, TimeProvider timeProvider, ILogger<DockerClient> logger)
    {
        var settings = options.Value;
        var host = settings.ResolveHost(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        if (!DockerEndpoint.TryParse(host, out var endpoint, out var error))
        {
            throw new OptionsValidationException(nameof(DockerOptions), typeof(DockerOptions), [$"Docker:Host: {error}"]);
        }

        _endpoint = endpoint!;
        _requestTimeout = settings.RequestTimeout;
        _timeProvider = timeProvider;
        _logger = logger;

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            // Streams hold their connection for hours; recycling pooled ones would cut them.
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (_endpoint.SocketPath is { } socketPath)
        {
            handler.ConnectCallback = (_, cancellationToken) => ConnectUnixAsync(socketPath, cancellationToken);
        }

        // Per-request deadlines come from tokens, so one client serves both calls and endless streams.
        _http = new HttpClient(handler) { BaseAddress = _endpoint.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The resolved <c>DOCKER_HOST</c> value this client talks to.</summary>
    public string Host => _endpoint.Host;

    /// <summary>The API version in use: the lower of ours and the daemon's; negotiated on first use.</summary>
    public async ValueTask<DockerApiVersion> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        Task<DockerApiVersion> negotiation;
        lock (_versionLock)
        {
            if (_version is null || _version.IsFaulted || _version.IsCanceled)
            {
                // Not tied to one caller's token: several callers may await the same negotiation.
                _version = NegotiateAsync(CancellationToken.None);
            }

            negotiation = _version;
        }

        return await negotiation.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The host's facts from <c>/info</c>; <see cref="HostInfo.HostId"/> is the daemon ID, stable across restarts.</summary>
    public async Task<HostInfo> GetHostInfoAsync(string statsSource, CancellationToken cancellationToken)
    {
        var info = await GetInfoAsync(cancellationToken).ConfigureAwait(false);
        var version = await GetApiVersionAsync(cancellationToken).ConfigureAwait(false);
        return DockerMapper.ToHostInfo(info, version, statsSource);
    }

    /// <summary>Every container, stopped ones included (<c>all=1</c>).</summary>
    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(string hostId, CancellationToken cancellationToken)
    {
        var list = await GetJsonAsync("/containers/json?all=1", DockerJsonContext.Default.ListContainerSummaryJson, cancellationToken)
            .ConfigureAwait(false);
        return list.ConvertAll(summary => DockerMapper.ToContainerInfo(summary, hostId));
    }

    /// <summary>Inspects one container.</summary>
    /// <exception cref="DockerNotFoundException">The container does not exist (any more).</exception>
    public async Task<DockerContainerDetails> InspectContainerAsync(string containerId, string hostId, CancellationToken cancellationToken)
    {
        var inspect = await GetJsonAsync(
            $"/containers/{Uri.EscapeDataString(containerId)}/json", DockerJsonContext.Default.ContainerInspectJson, cancellationToken)
            .ConfigureAwait(false);
        return DockerMapper.ToDetails(inspect, hostId);
    }

    /// <summary>
    /// Streams container events until the token is cancelled or the daemon closes the stream (it does when it
    /// stops). With <paramref name="sinceUnixNanoseconds"/>, first replays the daemon's buffered events from then on.
    /// </summary>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached or the stream broke.</exception>
    public async IAsyncEnumerable<DockerEvent> StreamContainerEventsAsync(
        long? sinceUnixNanoseconds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = "/events?filters=" + Uri.EscapeDataString(ContainerEventsFilter);
        if (sinceUnixNanoseconds is { } since)
        {
            query += "&since=" + DockerEvent.FormatSince(since);
        }

        using var response = await SendAsync(query, streaming: true, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var reader = new JsonLineReader<EventJson>(stream, DockerJsonContext.Default.EventJson);
        while (true)
        {
            EventJson? message;
            try
            {
                message = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw Unavailable("the event stream broke", ex);
            }

            if (message is null)
            {
                yield break;
            }

            if (DockerMapper.ToEvent(message) is { } dockerEvent)
            {
                yield return dockerEvent;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    internal async Task<InfoJson> GetInfoAsync(CancellationToken cancellationToken) =>
        await GetJsonAsync("/info", DockerJsonContext.Default.InfoJson, cancellationToken).ConfigureAwait(false);

    /// <summary>One frame with <c>one-shot=true</c>: answers within one collector tick, <c>precpu</c> zeroed.</summary>
    internal async Task<StatsJson> GetStatsOnceAsync(string containerId, CancellationToken cancellationToken) =>
        await GetJsonAsync(StatsPath(containerId, stream: false), StatsJsonContext.Default.StatsJson, cancellationToken).ConfigureAwait(false);

    /// <summary>Opens <c>stream=true</c>: one frame per daemon tick until the container is removed (EOF).</summary>
    /// <exception cref="DockerNotFoundException">The container does not exist.</exception>
    internal async Task<JsonLineReader<StatsJson>> OpenStatsStreamAsync(string containerId, CancellationToken cancellationToken)
    {
        var response = await SendAsync(StatsPath(containerId, stream: true), streaming: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            // The reader owns the stream; disposing the stream releases the response's connection.
            return new JsonLineReader<StatsJson>(stream, StatsJsonContext.Default.StatsJson);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static string StatsPath(string containerId, bool stream) =>
        $"/containers/{Uri.EscapeDataString(containerId)}/stats?" + (stream ? "stream=true" : "stream=false&one-shot=true");

    private async Task<DockerApiVersion> NegotiateAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "_ping");
        using var response = await SendRawAsync(request, linked.Token, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, linked.Token).ConfigureAwait(false);
        }

        var header = response.Headers.TryGetValues("Api-Version", out var values) ? values.FirstOrDefault() : null;
        var server = DockerApiVersion.TryParse(header, out var parsed) ? parsed : DockerApiVersion.Fallback;
        var version = DockerApiVersion.Negotiate(server);
        if (version < DockerApiVersion.Minimum)
        {
            throw new DockerApiVersionException(
                $"Docker daemon at {Host} speaks API {server}, below the minimum {DockerApiVersion.Minimum} we need (Engine 20.10 or later).");
        }

        LogNegotiated(_logger, Host, server, version);
        return version;
    }

    private async Task<T> GetJsonAsync<T>(string pathAndQuery, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_requestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var response = await SendAsync(pathAndQuery, streaming: false, linked.Token, cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(stream, typeInfo, linked.Token).ConfigureAwait(false)
                ?? throw new DockerException(response.StatusCode, $"GET {pathAndQuery} returned null.");
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"GET {pathAndQuery} took longer than {_requestTimeout}", ex);
        }
        catch (IOException ex)
        {
            throw Unavailable($"GET {pathAndQuery} broke", ex);
        }
    }

    private Task<HttpResponseMessage> SendAsync(string pathAndQuery, bool streaming, CancellationToken cancellationToken) =>
        SendAsync(pathAndQuery, streaming, cancellationToken, cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(
        string pathAndQuery, bool streaming, CancellationToken requestToken, CancellationToken callerToken)
    {
        var version = await GetApiVersionAsync(requestToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v{version}{pathAndQuery}");
        var response = await SendRawAsync(request, requestToken, callerToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            LogRequestFailed(_logger, pathAndQuery, (int)response.StatusCode);
            throw await ErrorAsync(response, requestToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken requestToken, CancellationToken callerToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, requestToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unavailable(ex.Message, ex);
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            throw Unavailable($"no answer to {request.RequestUri} within {_requestTimeout}", ex);
        }
    }

    private DockerUnavailableException Unavailable(string message, Exception inner)
    {
        lock (_versionLock)
        {
            // The daemon may come back as another version (an upgrade); negotiate again next time.
            _version = null;
        }

        return new DockerUnavailableException(Host, message, inner);
    }

    private static async Task<DockerException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            body = string.Empty;
        }

        var message = body;
        if (body.StartsWith('{'))
        {
            try
            {
                message = JsonSerializer.Deserialize(body, DockerJsonContext.Default.ErrorJson)?.Message ?? body;
            }
            catch (JsonException)
            {
                // Not the usual {"message"} shape: keep the raw body.
            }
        }

        message = message.Trim();
        return response.StatusCode == HttpStatusCode.NotFound
            ? new DockerNotFoundException(message)
            : new DockerException(response.StatusCode, $"Docker answered {(int)response.StatusCode}: {message}");
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker at {Host} speaks API {ServerVersion}; using {ApiVersion}")]
    private static partial void LogNegotiated(ILogger logger, string host, DockerApiVersion serverVersion, DockerApiVersion apiVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Docker GET {Path} answered {StatusCode}")]
    private static partial void LogRequestFailed(ILogger logger, string path, int statusCode);
}
