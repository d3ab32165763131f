using Orleans.Monitor.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddMonitorApi();

var app = builder.Build();
app.MapMonitorApi();
await app.RunAsync();

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
