using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orleans.Monitor.Cli.Api;

/// <summary>
/// The Api's REST endpoints as the CLI uses them. Every failure becomes a <see cref="CliException"/>: unreachable is
/// <see cref="ExitCodes.Unreachable"/>, an error answer is <see cref="ExitCodes.ApiError"/> with the problem's title and detail.
/// </summary>
public sealed partial class MonitorApiClient : IDisposable
{
    /// <summary>How long one request may take before the Api counts as unreachable.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    // Exactly the contract: a member the records declare must be there, and null only where they allow it.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
    private readonly HttpClient _http;

    public MonitorApiClient(Uri baseUrl, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        BaseUrl = baseUrl;
        _http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The Api's base URL, ending with '/'.</summary>
    public Uri BaseUrl { get; }

    [GeneratedRegex("^[0-9a-f]{12,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerIdPattern();

    public Task<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken) =>
        GetAsync<IReadOnlyList<HostSummary>>("api/hosts", cancellationToken);

    public Task<IReadOnlyList<ContainerLive>> ListContainersAsync(string? hostId, string? state, string? name, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        AddQuery(query, "host", hostId);
        AddQuery(query, "state", state);
        AddQuery(query, "name", name);
        return GetAsync<IReadOnlyList<ContainerLive>>("api/containers" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
    }

    public Task<ContainerHistory> GetHistoryAsync(string containerId, DateTimeOffset from, DateTimeOffset to, string step, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        AddQuery(query, "from", from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "to", to.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "step", step);
        return GetAsync<ContainerHistory>($"api/containers/{Uri.EscapeDataString(containerId)}/history?{string.Join('&', query)}", cancellationToken);
    }

    /// <summary>
    /// The events in [<paramref name="from"/>, <paramref name="to"/>), newest first, at most <paramref name="limit"/>
    /// (the Api's default when null). An Api without the endpoint answers a 404 that names no container: that gets its own message.
    /// </summary>
    public Task<ContainerEventList> GetEventsAsync(string containerId, DateTimeOffset? from, DateTimeOffset? to, int? limit, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        AddQuery(query, "from", from?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "to", to?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var path = $"api/containers/{Uri.EscapeDataString(containerId)}/events" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return GetAsync<ContainerEventList>(path, cancellationToken, missingEndpoint: "container events");
    }

    /// <summary>Alerts newest first: <paramref name="state"/> firing, resolved or null for both, started at or after <paramref name="from"/>.</summary>
    public Task<IReadOnlyList<Alert>> GetAlertsAsync(string? state, DateTimeOffset? from, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        AddQuery(query, "state", state);
        AddQuery(query, "from", from?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var path = "api/alerts" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return GetAsync<IReadOnlyList<Alert>>(path, cancellationToken, missingEndpoint: "alerts");
    }

    /// <summary>
    /// A container id as the Api takes it: an id (12 to 64 hex) is used as given; anything else is a container
    /// name, looked up among live containers and then removed ones (names are unique per host, not per cluster).
    /// </summary>
    public async Task<string> ResolveContainerAsync(string idOrName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(idOrName);
        if (ContainerIdPattern().IsMatch(idOrName))
        {
            return idOrName;
        }

        foreach (var state in new[] { null, "removed" })
        {
            var matches = (await ListContainersAsync(null, state, idOrName, cancellationToken).ConfigureAwait(false))
                .Where(c => string.Equals(c.Container.Name, idOrName, StringComparison.Ordinal))
                .ToList();
            switch (matches.Count)
            {
                case 1:
                    return matches[0].Container.Id;
                case > 1:
                    throw new CliException(ExitCodes.ApiError,
                        $"{matches.Count} containers are named '{idOrName}' ({string.Join(", ", matches.Select(m => m.Container.Id[..12] + " on " + m.Container.HostId))}); give an id.");
            }
        }

        throw new CliException(ExitCodes.ApiError, $"No container with id or name '{idOrName}' is known to this cluster.");
    }

    /// <summary>
    /// A host id as the Api takes it: a daemon ID listed by the Api, else a host name that exactly one host has
    /// (every engine on one machine reports the same name, so names alone may not do).
    /// </summary>
    public async Task<string> ResolveHostAsync(string idOrName, CancellationToken cancellationToken)
    {
        var hosts = await ListHostsAsync(cancellationToken).ConfigureAwait(false);
        if (hosts.Any(h => h.HostId == idOrName))
        {
            return idOrName;
        }

        var named = hosts.Where(h => string.Equals(h.Host?.Name, idOrName, StringComparison.Ordinal)).ToList();
        return named.Count switch
        {
            1 => named[0].HostId,
            0 => throw new CliException(ExitCodes.ApiError, $"No host with id or name '{idOrName}' is known to this cluster."),
            _ => throw new CliException(ExitCodes.ApiError,
                $"{named.Count} hosts are named '{idOrName}' ({string.Join(", ", named.Select(h => h.HostId))}); give a host id."),
        };
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken, string? missingEndpoint = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(response, path, missingEndpoint, timeout.Token).ConfigureAwait(false);
            }

            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, timeout.Token).ConfigureAwait(false)
                    ?? throw new JsonException("the body is null");
            }
            catch (JsonException ex)
            {
                throw new CliException(ExitCodes.ApiError, $"the answer to GET /{path} is not what this orleans-monitor reads: {ex.Message}", ex);
            }
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            throw Unreachable(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"the Api at {BaseUrl} did not answer within {RequestTimeout.TotalSeconds:0} s.", ex);
        }
    }

    /// <summary>The one line for a connection that failed: the Api's URL and the innermost reason (e.g. "Connection refused").</summary>
    public CliException Unreachable(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var reason = ex;
        while (reason.InnerException is { } inner)
        {
            reason = inner;
        }

        return new CliException(ExitCodes.Unreachable, $"cannot reach the Api at {BaseUrl}: {reason.Message.TrimEnd('.')}.", ex);
    }

    private async Task<CliException> ErrorAsync(HttpResponseMessage response, string path, string? missingEndpoint, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        ApiProblem? problem = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            problem = body.Length > 0 ? JsonSerializer.Deserialize<ApiProblem>(body, Json) : null;
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, say): the status line says enough.
        }

        // An unknown id comes with a detail naming it; a 404 without one is a route this Api does not have.
        if (response.StatusCode == HttpStatusCode.NotFound && string.IsNullOrEmpty(problem?.Detail))
        {
            var what = missingEndpoint ?? "GET /" + path.Split('?')[0];
            return new CliException(ExitCodes.ApiError,
                $"the Api at {BaseUrl} does not serve {what} (404 for GET /{path.Split('?')[0]}); it is older than this orleans-monitor.");
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized)
        {
            return new CliException(ExitCodes.ApiError,
                $"the Api at {BaseUrl} refused the request ({status} {response.ReasonPhrase}): pass a valid API key with --token or ORLEANS_MONITOR_TOKEN.");
        }

        if (response.StatusCode is HttpStatusCode.Forbidden)
        {
            return new CliException(ExitCodes.ApiError,
                $"the Api at {BaseUrl} refused the request ({status} {response.ReasonPhrase}): the --token's role does not allow GET /{path.Split('?')[0]}.");
        }

        var title = problem?.Title?.TrimEnd('.');
        var text = (title, problem?.Detail) switch
        {
            ({ Length: > 0 } t, { Length: > 0 } d) => $"{t}: {d}",
            (_, { Length: > 0 } d) => d,
            ({ Length: > 0 } t, _) => $"{t} ({status})",
            _ => $"GET /{path} answered {status} {response.ReasonPhrase}.",
        };
        return new CliException(ExitCodes.ApiError, text);
    }

    private static void AddQuery(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }
}
