using Orleans.Concurrency;

namespace Orleans.Monitor.Contracts.Live;

/// <summary>Receives a host's frame once per interval (an Api instance, or the co-hosted Api of a standalone silo).</summary>
public interface IHostFrameObserver : IGrainObserver
{
    /// <summary>One-way: the host grain never waits for a slow or vanished subscriber.</summary>
    [OneWay]
    Task OnFrame(HostFrame frame);
}
