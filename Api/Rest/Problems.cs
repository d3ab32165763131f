using Microsoft.AspNetCore.Http.HttpResults;

namespace Orleans.Monitor.Api.Rest;

/// <summary>RFC 7807 responses; a 400 always names the parameter in <c>errors</c>.</summary>
internal static class Problems
{
    public static ValidationProblem BadParameter(string parameter, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [parameter] = [message] },
            detail: message,
            title: $"Invalid parameter '{parameter}'.");

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: $"Unknown {what}.",
            detail: NotFoundDetail(what, id));

    /// <summary>The detail of a 404, also the hub's error for the same id.</summary>
    public static string NotFoundDetail(string what, string id) => $"No {what} with id '{id}' is known to this cluster.";

    /// <summary>The detail of the 400 for a container id prefix that matches several containers, also the hub's error.</summary>
    public static string AmbiguousDetail(string prefix) => $"the prefix '{prefix}' matches several containers; give more characters.";
}
