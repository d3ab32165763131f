using System.Collections.Immutable;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>The states of an alert.</summary>
public static class AlertStates
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";
}

/// <summary>
/// One alert: opened when its rule fires, resolved when the rule's condition clears (or the rule is deleted). Stored,
/// listed by <c>GET /api/alerts</c>, pushed by the hub's <c>WatchAlerts()</c> and sent to the receivers.
/// </summary>
/// <param name="Id">A new GUID (32 hex) per firing.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Severity"><c>warning</c> or <c>critical</c>.</param>
/// <param name="Summary">The rule's <c>alert.summary</c>, or null.</param>
/// <param name="Labels">
/// <c>selector</c> (e.g. <c>swarmService=web</c>), <c>hosts</c> and <c>containers</c> (comma-separated daemon IDs and
/// container names the value covered when it fired), <c>metric</c> and <c>aggregate</c>.
/// </param>
/// <param name="Value">The aggregated value, in the metric's unit: when it fired, then the latest while it fires.</param>
/// <param name="StartsAt">When the rule fired.</param>
/// <param name="EndsAt">When it resolved; null while firing.</param>
/// <param name="State"><c>firing</c> or <c>resolved</c> (<see cref="AlertStates"/>).</param>
[GenerateSerializer, Immutable]
public sealed record Alert(
    [property: Id(0)] string Id,
    [property: Id(1)] string Rule,
    [property: Id(2)] string Severity,
    [property: Id(3)] string? Summary,
    [property: Id(4)] ImmutableSortedDictionary<string, string> Labels,
    [property: Id(5)] double? Value,
    [property: Id(6)] DateTimeOffset StartsAt,
    [property: Id(7)] DateTimeOffset? EndsAt,
    [property: Id(8)] string State);

/// <summary>How one notification receiver fares, as <c>GET /api/alerts/receivers</c> shows it.</summary>
/// <param name="Receiver"><c>alertmanager</c> or <c>webhook</c>.</param>
/// <param name="Url">Where it is sent.</param>
/// <param name="Ok">The last delivery succeeded (true before any).</param>
/// <param name="LastSuccess">When a delivery last succeeded.</param>
/// <param name="LastError">The last failure, in words; null once a delivery succeeds again.</param>
/// <param name="FailedAttempts">Failed attempts since the last success.</param>
/// <param name="Silo">The silo that sends (each silo sends the alerts of the rules it evaluates).</param>
[GenerateSerializer, Immutable]
public sealed record ReceiverStatus(
    [property: Id(0)] string Receiver,
    [property: Id(1)] string Url,
    [property: Id(2)] bool Ok,
    [property: Id(3)] DateTimeOffset? LastSuccess,
    [property: Id(4)] string? LastError,
    [property: Id(5)] int FailedAttempts,
    [property: Id(6)] string Silo);
