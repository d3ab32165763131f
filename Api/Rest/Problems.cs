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
            detail: $"No {what} with id '{id}' is known to this cluster.");
}
