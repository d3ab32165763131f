using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Orleans.Monitor.Api.Auth;

/// <summary>
/// The fallback rule (<see cref="ApiRoles.NeedsOperator"/>): writes under /api need an operator, everything else a viewer.
/// </summary>
public sealed class ApiRoleRequirement : AuthorizationHandler<ApiRoleRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiRoleRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Resource switch
        {
            HttpContext http => http.Request,
            HubInvocationContext hub => hub.Context.GetHttpContext()?.Request,
            _ => null,
        };
        var user = context.User;
        var allowed = request is not null && ApiRoles.NeedsOperator(request)
            ? user.IsInRole(ApiRoles.Operator)
            : user.IsInRole(ApiRoles.Viewer) || user.IsInRole(ApiRoles.Operator);
        if (allowed)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
