using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Orleans.Monitor.Api.Auth;

/// <summary>Options of <see cref="ApiKeyAuthenticationHandler"/>: the configured keys (none: every loopback request is an operator's).</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    public IReadOnlyList<ApiKey> Keys { get; set; } = [];
}

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> (and, on /hubs only, the <c>access_token</c> query string that
/// SignalR clients send on WebSockets and server-sent events) against the SHA-256 hashes of <c>Auth:ApiKeys</c>,
/// compared in constant time. 401 and 403 are RFC 7807 problem details.
/// </summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, IProblemDetailsService problems)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string NoKeyName = "local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var keys = Options.Keys;
        if (keys.Count == 0)
        {
            // No keys configured: allowed only on loopback (checked at start); a connection from elsewhere is refused anyway.
            return Task.FromResult(ApiKeySettings.IsLoopback(Context.Features.Get<IHttpConnectionFeature>())
                ? Success(NoKeyName, ApiRoles.Operator)
                : AuthenticateResult.Fail("No API key is configured and the connection is not local."));
        }

        if (Token() is not { Length: > 0 } token)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        ApiKey? match = null;
        foreach (var key in keys)
        {
            // Every key is compared, each in constant time: the time taken says nothing about which bytes matched.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Sha256))
            {
                match = key;
            }
        }

        if (match is null)
        {
            if (Logger.IsEnabled(LogLevel.Information))
            {
                LogRejected(Logger, Request.Method, Request.Path.Value ?? "/");
            }
            return Task.FromResult(AuthenticateResult.Fail("The API key is not known."));
        }

        return Task.FromResult(Success(match.Name, match.Role));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer error=\"invalid_token\"" : "Bearer";
        await WriteProblemAsync(
            StatusCodes.Status401Unauthorized,
            "An API key is required.",
            failed
                ? "The API key sent is not valid for this Api."
                : "Send an API key as 'Authorization: Bearer <key>' (keys are configured under Auth:ApiKeys).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(
            StatusCodes.Status403Forbidden,
            "The API key's role does not allow this.",
            $"{Request.Method} {Request.Path} needs the '{(ApiRoles.NeedsOperator(Request) ? ApiRoles.Operator : ApiRoles.Viewer)}' role.");
    }

    private string? Token()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        // Browsers cannot set headers on WebSockets or EventSource: SignalR sends the token in the query string there.
        return Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase) ? Request.Query["access_token"].ToString() : null;
    }

    private static AuthenticateResult Success(string name, string role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem }))
        {
            await Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", Context.RequestAborted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected an unknown API key on {Method} {Path}.")]
    private static partial void LogRejected(ILogger logger, string method, string path);
}
