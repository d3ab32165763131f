namespace Orleans.Monitor.Api.Auth;

/// <summary>
/// Headers on every answer of the page and the Api: a Content-Security-Policy that allows only this origin's scripts
/// and styles (no inline script or style, no framing), no MIME sniffing, no referrer beyond this origin. The Orleans
/// Dashboard (<c>/dashboard</c>, off by default) is left out of the policy: it is a third-party page with inline code.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The page's policy: 'self' only; data: images for the inline favicon; the hub's WebSocket is same-origin.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        if (!context.Request.Path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
        }

        return next(context);
    });
}
