using Microsoft.Extensions.Hosting;

namespace Orleans.Monitor.Storage.Membership;

/// <summary>
/// Stops the process with a non-zero exit code, so compose or Kubernetes restarts it and it rejoins with a new
/// generation; a fenced silo must never keep serving.
/// </summary>
public sealed class StopApplicationOnDeath(IHostApplicationLifetime lifetime) : ISiloDeathHandler
{
    public const int ExitCode = 3;

    public Task OnDeclaredDeadAsync(string siloId, long generation, CancellationToken cancellationToken)
    {
        Environment.ExitCode = ExitCode;
        lifetime.StopApplication();
        return Task.CompletedTask;
    }
}
