using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Silo.Live;
using Orleans.Monitor.Silo.Membership;
using Orleans.Monitor.Storage;

var builder = WebApplication.CreateBuilder(args);

// The Api co-hosts this project, so the silo ships no appsettings.json of its own; its log defaults live here.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
builder.AddMonitorStorage();
builder.AddMonitorSilo();
if (builder.IsClusterMode())
{
    builder.AddSiloClusterMembership();
}

var app = builder.Build();
app.MapSiloStreamApi();
try
{
    await app.RunAsync();
}
catch (StorageConfigurationException ex)
{
    // A bad setting is not a crash: one line naming it, and a distinct exit code for supervisors.
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

return Environment.ExitCode;
