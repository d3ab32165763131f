using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Resilience;
using Orleans.Monitor.Contracts.Rules;
using Orleans.Monitor.Grains.Rules;

namespace Orleans.Monitor.Silo.Alerting;

/// <summary>
/// Sends alert changes to Alertmanager (<c>POST {url}/api/v2/alerts</c>) and to each webhook, in the background:
/// <see cref="Notify"/> only queues. Each receiver has its own bounded queue and sender, so a failing receiver delays
/// no other; a failed POST is retried with <see cref="Backoff"/> until <see cref="AlertingOptions.DeliveryTimeout"/>,
/// logged, and reported to the alert feed (<c>GET /api/alerts/receivers</c>).
/// </summary>
public sealed partial class AlertDelivery : BackgroundService, IAlertNotifier
{
    /// <summary>Changes waiting per receiver; a change beyond this is dropped and logged.</summary>
    public const int QueueCapacity = 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(5);

    private readonly AlertingOptions _options;
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly TimeProvider _clock;
    private readonly ILogger<AlertDelivery> _logger;
    private readonly HttpClient _http = new() { Timeout = RequestTimeout };
    private readonly ImmutableArray<Receiver> _receivers;
    private readonly string _apiUrl;

    public AlertDelivery(IOptions<AlertingOptions> options, IGrainFactory grains, ILocalSiloDetails silo, TimeProvider clock, ILogger<AlertDelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _grains = grains;
        _silo = silo;
        _clock = clock;
        _logger = logger;
        _apiUrl = (string.IsNullOrWhiteSpace(_options.ApiUrl) ? AlertingOptions.DefaultApiUrl : _options.ApiUrl).TrimEnd('/');
        var receivers = ImmutableArray.CreateBuilder<Receiver>();
        if (!string.IsNullOrWhiteSpace(_options.AlertmanagerUrl))
        {
            receivers.Add(new Receiver("alertmanager", _options.AlertmanagerUrl.TrimEnd('/') + "/api/v2/alerts", Alertmanager: true));
        }

        foreach (var url in _options.Webhooks)
        {
            receivers.Add(new Receiver("webhook", url, Alertmanager: false));
        }

        _receivers = receivers.ToImmutable();
    }

    public void Notify(Alert alert, bool change)
    {
        ArgumentNullException.ThrowIfNull(alert);
        foreach (var receiver in _receivers)
        {
            if ((change || receiver.Alertmanager) && !receiver.Queue.Writer.TryWrite(alert))
            {
                LogQueueFull(receiver.Url);
            }
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_receivers.Select(r => SendLoopAsync(r, stoppingToken)));

    private async Task SendLoopAsync(Receiver receiver, CancellationToken stoppingToken)
    {
        var pipeline = Backoff.Forever(
            ex => ex is HttpRequestException or TimeoutException or TaskCanceledException,
            (attempt, ex, delay) =>
            {
                LogDeliveryFailed(receiver.Kind, receiver.Url, attempt, delay.TotalSeconds, ex.Message);
            },
            _clock,
            _options.RetryBaseDelay,
            TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var alert in receiver.Queue.Reader.ReadAllAsync(stoppingToken))
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                deadline.CancelAfter(_options.DeliveryTimeout);
                try
                {
                    await pipeline.ExecuteAsync(ct => new ValueTask(AttemptAsync(receiver, alert, ct)), deadline.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    LogGaveUp(receiver.Kind, receiver.Url, alert.Rule, alert.State, receiver.FailedAttempts);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Refused for good (a 4xx): retrying the same body would not help.
                    LogRefused(receiver.Kind, receiver.Url, alert.Rule, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One POST; its outcome is reported to the alert feed either way.</summary>
    private async Task AttemptAsync(Receiver receiver, Alert alert, CancellationToken cancellationToken)
    {
        try
        {
            await PostAsync(receiver, alert, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            receiver.FailedAttempts++;
            await ReportAsync(receiver, ex.Message);
            throw;
        }

        receiver.FailedAttempts = 0;
        receiver.LastSuccess = _clock.GetUtcNow();
        await ReportAsync(receiver, null);
    }

    private async Task PostAsync(Receiver receiver, Alert alert, CancellationToken cancellationToken)
    {
        using var response = receiver.Alertmanager
            ? await _http.PostAsJsonAsync(receiver.Url, new[] { ToAlertmanager(alert) }, Json, cancellationToken)
            : await _http.PostAsJsonAsync(receiver.Url, ToWebhook(alert), Json, cancellationToken);
        if ((int)response.StatusCode >= 500 || response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
        {
            throw new HttpRequestException($"{receiver.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{receiver.Url} refused the alert: {(int)response.StatusCode} {body.Trim()}");
        }
    }

    /// <summary>Alertmanager's v2 alert: labels identify it (alertname = the rule), endsAt only once resolved.</summary>
    private AlertmanagerAlert ToAlertmanager(Alert alert)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = alert.Rule,
            ["severity"] = alert.Severity,
        };
        foreach (var (key, value) in alert.Labels)
        {
            if (!string.IsNullOrEmpty(value))
            {
                labels[key switch { "hosts" => "host", "containers" => "container", _ => key }] = value;
            }
        }

        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["value"] = RuleEvaluator.Format(alert.Value) };
        if (!string.IsNullOrEmpty(alert.Summary))
        {
            annotations["summary"] = alert.Summary;
        }

        return new AlertmanagerAlert(labels, annotations, alert.StartsAt, alert.EndsAt, RuleUrl(alert.Rule));
    }

    private WebhookBody ToWebhook(Alert alert) => new(alert, RuleUrl(alert.Rule));

    private string RuleUrl(string rule) => $"{_apiUrl}/api/rules/{Uri.EscapeDataString(rule)}";

    /// <summary>Tells the alert feed how the receiver fares; the feed only shows it, so a failure here is logged and left.</summary>
    private async Task ReportAsync(Receiver receiver, string? error)
    {
        var status = new ReceiverStatus(receiver.Kind, receiver.Url, error is null, receiver.LastSuccess, error, receiver.FailedAttempts, _silo.Name);
        try
        {
            await _grains.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.Key).ReportReceiverAsync(status).WaitAsync(ReportTimeout, _clock);
        }
        catch (Exception ex)
        {
            LogReportFailed(ex);
        }
    }

    private sealed record Receiver(string Kind, string Url, bool Alertmanager)
    {
        public Channel<Alert> Queue { get; } = Channel.CreateBounded<Alert>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });

        public DateTimeOffset? LastSuccess { get; set; }

        public int FailedAttempts { get; set; }
    }

    /// <summary>One element of Alertmanager's <c>POST /api/v2/alerts</c> body.</summary>
    private sealed record AlertmanagerAlert(
        SortedDictionary<string, string> Labels,
        SortedDictionary<string, string> Annotations,
        DateTimeOffset StartsAt,
        DateTimeOffset? EndsAt,
        [property: JsonPropertyName("generatorURL")] string GeneratorUrl);

    /// <summary>A webhook's body: the alert as <c>GET /api/alerts</c> lists it, and its rule's URL.</summary>
    private sealed record WebhookBody(Alert Alert, string RuleUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery to {Receiver} {Url} failed (attempt {Attempt}, next in {DelaySeconds:0.#} s): {Error}")]
    private partial void LogDeliveryFailed(string receiver, string url, int attempt, double delaySeconds, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert delivery to {Receiver} {Url} gave up on rule {Rule} ({State}) after {Attempts} attempts")]
    private partial void LogGaveUp(string receiver, string url, string rule, string state, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Receiver} {Url} refused the alert of rule {Rule}: {Error}")]
    private partial void LogRefused(string receiver, string url, string rule, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert queue of {Url} is full: the oldest change was dropped")]
    private partial void LogQueueFull(string url);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A receiver status could not reach the alert feed")]
    private partial void LogReportFailed(Exception exception);
}
