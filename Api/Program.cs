using Microsoft.Extensions.Options;
using Orleans.Monitor.Api.Hosting;
using Orleans.Monitor.Storage;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddMonitorApi();
    var app = builder.Build();
    app.MapMonitorApi();
    await app.RunAsync();
}
catch (Exception ex) when (ex is InvalidSettingException or OptionsValidationException)
{
    // A bad setting is not a crash: one line naming it, and a distinct exit code for supervisors.
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

return Environment.ExitCode;

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
