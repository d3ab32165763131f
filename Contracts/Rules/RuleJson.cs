using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.Monitor.Contracts.Rules;

/// <summary>The JSON form of rules and alert labels in the store: camelCase, nulls left out, as the REST contract writes them.</summary>
public static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// For a rule as a client sends it: numbers must be JSON numbers and an unknown property (a misspelt
    /// <c>abvoe</c>) is an error rather than silently a rule without it.
    /// </summary>
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static string Serialize(RuleDefinition rule) => JsonSerializer.Serialize(rule, Options);

    /// <exception cref="JsonException">The text is not a rule.</exception>
    public static RuleDefinition Deserialize(string json) =>
        JsonSerializer.Deserialize<RuleDefinition>(json, Options) ?? throw new JsonException("null rule");

    public static string SerializeLabels(ImmutableSortedDictionary<string, string> labels) => JsonSerializer.Serialize(labels, Options);

    public static ImmutableSortedDictionary<string, string> DeserializeLabels(string json) =>
        (JsonSerializer.Deserialize<Dictionary<string, string>>(json, Options) ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal);
}
