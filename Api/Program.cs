using Orleans.Monitor.Api.Cluster;
using Orleans.Monitor.Api.Hosting;
using Orleans.Monitor.Silo.Hosting;
using Orleans.Monitor.Storage;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddMonitorApi();
    var app = builder.Build();
    app.MapMonitorApi();
    await app.RunAsync();
}
catch (Exception ex) when (InvalidSettingException.IsBadSetting(ex))
{
    // A bad setting is not a crash: one line naming it, and a distinct exit code for supervisors.
    await Console.Error.WriteLineAsync(InvalidSettingException.OneLine(ex));
    return 2;
}
catch (IOException ex) when (SettingsCheck.IsListenAddressInUse(ex))
{
    // Another process listens on a --urls address: a setting that cannot be used, not a crash.
    await Console.Error.WriteLineAsync(SettingsCheck.ListenAddressInUse(ex));
    return 2;
}
catch (OperationCanceledException) when (Environment.ExitCode == ClusterConnection.BadSettingExitCode)
{
    // The co-hosted silo's bad setting stopped the application while it was still starting (Kestrel's bind is
    // cancelled): ClusterConnection has already written the line, so exit like any other bad setting.
    return ClusterConnection.BadSettingExitCode;
}

return Environment.ExitCode;

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
