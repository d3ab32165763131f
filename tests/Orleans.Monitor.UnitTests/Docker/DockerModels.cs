using System.Text.Json;

namespace Orleans.Monitor.UnitTests.Docker;

/// <summary>
/// Reads recorded Engine API JSON into Docker.DotNet's models the way the library does: System.Text.Json driven by
/// the models' own <c>[JsonPropertyName]</c> attributes.
/// </summary>
internal static class DockerModels
{
    private static readonly JsonSerializerOptions Options = new();

    public static T Parse<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidOperationException($"null {typeof(T).Name}");
}
