using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Silo.Live;
using Orleans.Monitor.Silo.Membership;
using Orleans.Monitor.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddMonitorStorage();
builder.AddMonitorSilo();
if (builder.IsClusterMode())
{
    builder.AddSiloClusterMembership();
}

var app = builder.Build();
app.MapSiloStreamApi();
await app.RunAsync();
