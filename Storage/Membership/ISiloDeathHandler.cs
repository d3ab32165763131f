namespace Orleans.Monitor.Storage.Membership;

/// <summary>What a silo does when the table says it is dead: another process owns its host now, so it must stop.</summary>
public interface ISiloDeathHandler
{
    Task OnDeclaredDeadAsync(string siloId, long generation, CancellationToken cancellationToken);
}
