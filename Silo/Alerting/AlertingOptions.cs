using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Silo.Alerting;

/// <summary>Where alerts are sent, bound from the <c>Alerting</c> section (on every silo: a silo sends the alerts of the rules it evaluates).</summary>
public sealed class AlertingOptions
{
    public const string Section = "Alerting";

    /// <summary>Alertmanager's base URL (e.g. <c>http://alertmanager:9093</c>); alerts are POSTed to <c>{url}/api/v2/alerts</c>. None when empty.</summary>
    public string? AlertmanagerUrl { get; set; }

    /// <summary>URLs that get a JSON POST of every alert change (opened, resolved).</summary>
    public List<string> Webhooks { get; set; } = [];

    /// <summary>
    /// The Api's public base URL, for the <c>generatorURL</c> of an alert (<c>{url}/api/rules/{name}</c>) and the
    /// webhooks' <c>ruleUrl</c>. <c>http://localhost:5000</c> when empty.
    /// </summary>
    public string? ApiUrl { get; set; }

    /// <summary>How long a change is retried (with backoff) before that receiver gives it up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The first retry's delay; it doubles (with jitter) up to 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The Api URL used when <see cref="ApiUrl"/> is empty.</summary>
    public const string DefaultApiUrl = "http://localhost:5000";

    /// <summary>Whether <paramref name="text"/> is an absolute http or https URL.</summary>
    public static bool IsHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(uri.Host);
}

/// <summary>Refuses a receiver or Api URL that is not an absolute http(s) URL, naming the setting.</summary>
internal sealed class AlertingOptionsValidator : IValidateOptions<AlertingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.AlertmanagerUrl) && !AlertingOptions.IsHttpUrl(options.AlertmanagerUrl))
        {
            failures.Add($"{AlertingOptions.Section}:{nameof(AlertingOptions.AlertmanagerUrl)} must be an absolute http or https URL such as http://alertmanager:9093, not '{options.AlertmanagerUrl}'.");
        }

        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            if (!AlertingOptions.IsHttpUrl(options.Webhooks[i]))
            {
                failures.Add($"{AlertingOptions.Section}:{nameof(AlertingOptions.Webhooks)}:{i} must be an absolute http or https URL, not '{options.Webhooks[i]}'.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ApiUrl) && !AlertingOptions.IsHttpUrl(options.ApiUrl))
        {
            failures.Add($"{AlertingOptions.Section}:{nameof(AlertingOptions.ApiUrl)} must be an absolute http or https URL such as http://monitor.example:8080, not '{options.ApiUrl}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
