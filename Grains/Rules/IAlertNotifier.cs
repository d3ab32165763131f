using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.Grains.Rules;

/// <summary>Sends alert changes to the configured receivers, in the background: never blocks a rule's evaluation.</summary>
public interface IAlertNotifier
{
    /// <summary>
    /// Queues <paramref name="alert"/>. A <paramref name="change"/> goes to Alertmanager and every webhook; a repeat
    /// of a firing alert (Alertmanager forgets alerts not re-sent within its resolve timeout) only to Alertmanager.
    /// </summary>
    void Notify(Alert alert, bool change);
}
