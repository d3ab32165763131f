using Microsoft.AspNetCore.Authorization;

namespace Orleans.Monitor.Api.Auth;

/// <summary>API-key authentication, role policies and the fallback policy that covers every endpoint.</summary>
public static class AuthHostingExtensions
{
    /// <summary>Registers the API-key scheme with the keys of <c>Auth:ApiKeys</c> (read and validated by the caller).</summary>
    public static IServiceCollection AddMonitorAuth(this IServiceCollection services, IReadOnlyList<ApiKey> keys)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, o => o.Keys = keys);
        var byRole = new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).AddRequirements(new ApiRoleRequirement()).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.ViewerPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole(ApiRoles.Viewer, ApiRoles.Operator))
            .AddPolicy(ApiRoles.OperatorPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole(ApiRoles.Operator))
            // No endpoint can be forgotten: one without a policy of its own follows the rule by method and path.
            .SetDefaultPolicy(byRole)
            .SetFallbackPolicy(byRole);
        return services;
    }
}
