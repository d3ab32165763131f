using System.CommandLine;
using Orleans.Monitor.Cli.Output;

namespace Orleans.Monitor.Cli.Commands;

/// <summary>The options every command takes: <c>--url</c>, <c>--token</c>, <c>--output</c>.</summary>
public sealed class CommonOptions
{
    public const string UrlVariable = "ORLEANS_MONITOR_URL";
    public const string TokenVariable = "ORLEANS_MONITOR_TOKEN";
    public const string DefaultUrl = "http://localhost:5000";

    public Option<Uri> Url { get; } = new("--url")
    {
        Description = $"The Api's base URL [env {UrlVariable}]",
        Recursive = true,
        DefaultValueFactory = result => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment
            ? ParseUrl(fromEnvironment, result, UrlVariable)
            : new Uri(DefaultUrl + "/"),
        CustomParser = result => ParseUrl(result.Tokens[^1].Value, result, "--url"),
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Bearer token for an authenticated Api (REST and the live hub) [env {TokenVariable}]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token : null,
    };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "table for people; json or csv (raw numbers, full ids) for scripts",
        HelpName = "table|json|csv",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Table,
        CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            if (Enum.TryParse<OutputFormat>(text, ignoreCase: true, out var format) && Enum.IsDefined(format) && !char.IsDigit(text[0]))
            {
                return format;
            }

            result.AddError($"--output must be table, json or csv, not '{text}'.");
            return OutputFormat.Table;
        },
    };

    public void AddTo(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Output);
    }

    /// <summary>An absolute http(s) URL ending with '/' so relative paths keep its base path (an Api behind a prefix).</summary>
    private static Uri ParseUrl(string text, System.CommandLine.Parsing.ArgumentResult result, string source)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        }

        result.AddError($"{source} must be an absolute http:// or https:// URL, not '{text}'.");
        return new Uri(DefaultUrl + "/");
    }
}
