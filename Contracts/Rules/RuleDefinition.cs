using System.Text.Json.Serialization;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>
/// A rule as <c>PUT /api/rules/{name}</c> takes it and the store keeps it (JSON, camelCase). Durations are strings in
/// <see cref="Settings.Duration.Forms"/>; numbers are in the metric's unit (percent, bytes, bytes per second, count,
/// ratio 0..1). <see cref="RuleValidator"/> says whether it is well formed.
/// </summary>
/// <param name="Selector">Which containers, on every host of the cluster.</param>
/// <param name="Metric">One of <see cref="RuleMetrics.Names"/>.</param>
/// <param name="Aggregate"><c>avg</c>, <c>max</c> or <c>p95</c> (<see cref="RuleAggregates"/>).</param>
/// <param name="Window">How much of each container's window the aggregate covers, e.g. <c>30s</c>; at most the in-memory window.</param>
/// <param name="Above">The condition holds while the value is above this.</param>
/// <param name="Below">The condition holds while the value is below this.</param>
/// <param name="For">How long the condition must hold before the rule fires, e.g. <c>15s</c>; <c>0s</c> fires at once.</param>
/// <param name="Alert">The alert the rule raises when it fires; null: warning, no summary.</param>
/// <param name="Scale">Swarm scaling, only with a <see cref="RuleSelector.SwarmService"/> selector.</param>
[GenerateSerializer, Immutable]
public sealed record RuleDefinition(
    [property: Id(0)] RuleSelector? Selector,
    [property: Id(1)] string? Metric,
    [property: Id(2)] string? Aggregate,
    [property: Id(3)] string? Window,
    [property: Id(4)] double? Above,
    [property: Id(5)] double? Below,
    [property: Id(6)] string? For,
    [property: Id(7)] RuleAlert? Alert = null,
    [property: Id(8)] RuleScale? Scale = null)
{
    /// <summary>The parsed <see cref="Window"/>; valid only for a rule <see cref="RuleValidator"/> accepted.</summary>
    [JsonIgnore]
    public TimeSpan WindowSpan => Settings.Duration.TryParse(Window, out var span) ? span : TimeSpan.Zero;

    /// <summary>The parsed <see cref="For"/>; valid only for a rule <see cref="RuleValidator"/> accepted.</summary>
    [JsonIgnore]
    public TimeSpan ForSpan => Settings.Duration.TryParse(For, out var span) ? span : TimeSpan.Zero;

    /// <summary>The alert's severity: <see cref="RuleAlert.Severity"/>, <c>warning</c> by default.</summary>
    [JsonIgnore]
    public string Severity => Alert?.Severity ?? RuleAlert.Warning;
}

/// <summary>Exactly one of the four members is set: it selects containers on every host.</summary>
/// <param name="SwarmService">A Swarm service name (label <c>com.docker.swarm.service.name</c>).</param>
/// <param name="ComposeService"><c>project/service</c> (labels <c>com.docker.compose.project</c> and <c>.service</c>).</param>
/// <param name="Container">A container name, full id, or id prefix of at least 12 characters.</param>
/// <param name="Label"><c>key=value</c>: containers with that label and value.</param>
[GenerateSerializer, Immutable]
public sealed record RuleSelector(
    [property: Id(0)] string? SwarmService = null,
    [property: Id(1)] string? ComposeService = null,
    [property: Id(2)] string? Container = null,
    [property: Id(3)] string? Label = null)
{
    /// <summary>The Swarm service label Docker sets on every task container.</summary>
    public const string SwarmServiceLabel = "com.docker.swarm.service.name";

    /// <summary>The selector as one string, e.g. <c>swarmService=web</c> (alert labels, logs).</summary>
    public override string ToString() =>
        SwarmService is not null ? "swarmService=" + SwarmService
        : ComposeService is not null ? "composeService=" + ComposeService
        : Container is not null ? "container=" + Container
        : Label is not null ? "label=" + Label
        : "nothing";

    /// <summary>Whether <paramref name="container"/> is selected (whatever its state).</summary>
    public bool Matches(Containers.ContainerInfo container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (SwarmService is not null)
        {
            return container.Labels.TryGetValue(SwarmServiceLabel, out var service) && service == SwarmService;
        }

        if (ComposeService is not null)
        {
            var slash = ComposeService.IndexOf('/', StringComparison.Ordinal);
            return slash > 0
                && container.ComposeProject == ComposeService[..slash]
                && container.ComposeService == ComposeService[(slash + 1)..];
        }

        if (Container is not null)
        {
            return container.Name == Container
                || container.Id == Container
                || (Container.Length >= 12 && container.Id.StartsWith(Container, StringComparison.Ordinal));
        }

        if (Label is not null)
        {
            var equals = Label.IndexOf('=', StringComparison.Ordinal);
            return equals > 0
                && container.Labels.TryGetValue(Label[..equals], out var value)
                && value == Label[(equals + 1)..];
        }

        return false;
    }
}

/// <summary>The alert a rule raises.</summary>
/// <param name="Severity"><c>warning</c> or <c>critical</c>.</param>
/// <param name="Summary">One line for people; sent as the <c>summary</c> annotation.</param>
[GenerateSerializer, Immutable]
public sealed record RuleAlert(
    [property: Id(0)] string? Severity = null,
    [property: Id(1)] string? Summary = null)
{
    public const string Warning = "warning";
    public const string Critical = "critical";
}

/// <summary>A rule's <c>scale</c> block as written; <see cref="ToLimits"/> gives the scaler's <see cref="Scaling.ScaleLimits"/>.</summary>
/// <param name="Min">Fewest replicas (at least 0).</param>
/// <param name="Max">Most replicas (at least <paramref name="Min"/>, at least 1).</param>
/// <param name="Step">Replicas per change (at least 1); 1 when omitted.</param>
/// <param name="Cooldown">Least time between two changes, a duration; <c>60s</c> when omitted.</param>
[GenerateSerializer, Immutable]
public sealed record RuleScale(
    [property: Id(0)] int? Min,
    [property: Id(1)] int? Max,
    [property: Id(2)] int? Step = null,
    [property: Id(3)] string? Cooldown = null)
{
    /// <summary>The cooldown when the rule names none.</summary>
    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromSeconds(60);

    /// <summary>The scaler's limits; valid only for a rule <see cref="RuleValidator"/> accepted.</summary>
    public Scaling.ScaleLimits ToLimits() => new(
        Min ?? 0,
        Max ?? 0,
        Step ?? 1,
        Cooldown is null ? DefaultCooldown : Settings.Duration.TryParse(Cooldown, out var cooldown) ? cooldown : DefaultCooldown);
}
