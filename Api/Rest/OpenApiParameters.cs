using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Orleans.Monitor.Api.Rest;

/// <summary>
/// Documents query parameters the endpoints parse by hand (so a bad value gets a problem naming it, not a binder
/// error): the document shows the type the endpoint accepts, not the string it binds.
/// </summary>
internal static class OpenApiParameters
{
    /// <summary>Types the query parameter <paramref name="name"/> as an integer from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public static Func<OpenApiOperation, OpenApiOperationTransformerContext, CancellationToken, Task> Integer(string name, int minimum, int maximum) =>
        (operation, _, _) =>
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter.Name == name && parameter is OpenApiParameter typed)
                {
                    typed.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    };
                }
            }

            return Task.CompletedTask;
        };
}
