using System.Diagnostics.Metrics;

namespace Orleans.Monitor.Grains.Runtime;

/// <summary>The runtime's instruments on the <c>Orleans.Monitor.Grains</c> meter.</summary>
internal sealed class GrainRuntimeMetrics
{
    public const string MeterName = "Orleans.Monitor.Grains";

    private readonly Counter<long> _overloaded;
    private readonly Counter<long> _activationFailures;

    public GrainRuntimeMetrics(IMeterFactory meterFactory, Func<int> activationCount, Func<long> mailboxDepth)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter(
            "orleans_monitor.grains.activations", activationCount, "{activation}", "Activations in the table.");
        meter.CreateObservableUpDownCounter(
            "orleans_monitor.grains.mailbox.depth", mailboxDepth, "{call}", "Work items waiting in all mailboxes.");
        _overloaded = meter.CreateCounter<long>(
            "orleans_monitor.grains.calls.overloaded", "{call}", "Calls rejected because a mailbox stayed full.");
        _activationFailures = meter.CreateCounter<long>(
            "orleans_monitor.grains.activation.failures", "{activation}", "OnActivateAsync calls that threw.");
    }

    public void RecordOverloaded(string grainType) => _overloaded.Add(1, new KeyValuePair<string, object?>("grain.type", grainType));

    public void RecordActivationFailed(string grainType) => _activationFailures.Add(1, new KeyValuePair<string, object?>("grain.type", grainType));
}
