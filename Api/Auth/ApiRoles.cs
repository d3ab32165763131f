namespace Orleans.Monitor.Api.Auth;

/// <summary>The roles an API key carries (<c>Auth:ApiKeys:N:Role</c>) and the policies built on them.</summary>
public static class ApiRoles
{
    /// <summary>REST reads, the hub, /metrics and the OpenAPI document.</summary>
    public const string Viewer = "viewer";

    /// <summary>Everything a viewer may, and every write under /api (rules, scaling).</summary>
    public const string Operator = "operator";

    /// <summary>Policy: a viewer or an operator.</summary>
    public const string ViewerPolicy = "viewer";

    /// <summary>Policy: an operator.</summary>
    public const string OperatorPolicy = "operator";

    /// <summary>
    /// The rule every endpoint without a policy of its own follows: a request under /api whose method is not GET, HEAD or
    /// OPTIONS needs an operator, any other a viewer. Endpoints added later are covered without a line of their own.
    /// </summary>
    public static bool NeedsOperator(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
    }
}
