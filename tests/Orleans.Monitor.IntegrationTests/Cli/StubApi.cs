using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Monitor.IntegrationTests.Cli;

/// <summary>
/// A bare ASP.NET Core app on 127.0.0.1:0 standing in for an Api of another version: it serves only
/// <c>GET /api/hosts</c> (an empty list), answers every other path with the framework's own 404 problem (as the
/// real Api does for a route it lacks), and records each request's path and Authorization header.
/// </summary>
public sealed class StubApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubApi(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, string? Authorization)> Requests { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<StubApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        var stub = new StubApi(app);
        app.Use((context, next) =>
        {
            stub.Requests.Enqueue((context.Request.Path.Value ?? "", context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null));
            return next(context);
        });
        app.UseStatusCodePages();
        app.MapGet("/api/hosts", () => Results.Json(Array.Empty<object>()));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        stub.Url = new Uri(address + "/");
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
