using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Orleans.Monitor.Contracts.Live;

namespace Orleans.Monitor.Api.Live;

/// <summary>
/// This Api's live view: the newest frame of every host, as host grains push them to this observer (or as the Api
/// marks a host down or unreachable), fanned out to any number of hub streams without letting one slow stream hold
/// up the others: each stream has a mailbox keyed by host where a newer frame replaces an unread older one.
/// </summary>
public sealed class LiveFrames(TimeProvider clock) : IHostFrameObserver
{
    private readonly ConcurrentDictionary<string, HostFrame> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<CoalescingMailbox, byte> _subscribers = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _received = new(StringComparer.Ordinal);
    private long _replaced;

    public IReadOnlyCollection<HostFrame> Latest => [.. _latest.Values];

    public int SubscriberCount => _subscribers.Count;

    /// <summary>Frames a subscriber never saw because a newer frame of the same host replaced them.</summary>
    public long ReplacedFrames => Interlocked.Read(ref _replaced);

    public HostFrame? Get(string hostId) => _latest.GetValueOrDefault(hostId);

    /// <summary>When this Api last received a frame from the host's grain, on this Api's clock (silo clocks may differ).</summary>
    public DateTimeOffset? LastReceived(string hostId) => _received.TryGetValue(hostId, out var at) ? at : null;

    /// <summary>A host grain's frame (one-way call from its silo).</summary>
    public Task OnFrame(HostFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _received[frame.HostId] = clock.GetUtcNow();

        // One-way calls through two gateways can overtake each other; a new activation restarts its sequence but not its clock.
        if (_latest.TryGetValue(frame.HostId, out var newest) && frame.Sequence < newest.Sequence && frame.Timestamp <= newest.Timestamp)
        {
            return Task.CompletedTask;
        }

        Publish(frame);
        return Task.CompletedTask;
    }

    /// <summary>Records the frame as the host's newest and offers it to every subscriber; never blocks.</summary>
    public void Publish(HostFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_latest.TryGetValue(frame.HostId, out var held) && frame.Sequence <= held.Sequence && frame.Timestamp <= held.Timestamp)
        {
            // Orleans may deliver one-way calls late or twice (a message re-routed while a silo dies): an older frame
            // than the one held would show the past again.
            return;
        }

        _latest[frame.HostId] = frame;
        foreach (var subscriber in _subscribers.Keys)
        {
            if (subscriber.Offer(frame))
            {
                Interlocked.Increment(ref _replaced);
            }
        }
    }

    /// <summary>Forgets a host (a provisional id once the daemon's real one is known).</summary>
    public void Forget(string hostId) => _latest.TryRemove(hostId, out _);

    public async IAsyncEnumerable<HostFrame> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var mailbox = new CoalescingMailbox();
        _subscribers.TryAdd(mailbox, 0);
        try
        {
            foreach (var frame in _latest.Values)
            {
                mailbox.Offer(frame);
            }

            while (true)
            {
                var batch = await mailbox.TakeAllAsync(cancellationToken).ConfigureAwait(false);
                foreach (var frame in batch)
                {
                    yield return frame;
                }
            }
        }
        finally
        {
            _subscribers.TryRemove(mailbox, out _);
        }
    }

    /// <summary>Latest-wins per host; the signal channel has capacity one, so offering never waits.</summary>
    private sealed class CoalescingMailbox
    {
        private readonly Lock _gate = new();
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

        private readonly Dictionary<string, HostFrame> _pending = new(StringComparer.Ordinal);

        /// <summary>Returns true when an unread frame of the same host was replaced.</summary>
        public bool Offer(HostFrame frame)
        {
            bool replaced;
            lock (_gate)
            {
                replaced = _pending.ContainsKey(frame.HostId);
                _pending[frame.HostId] = frame;
            }

            _signal.Writer.TryWrite(true);
            return replaced;
        }

        public async ValueTask<HostFrame[]> TakeAllAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_pending.Count > 0)
                    {
                        var taken = _pending.Values.OrderBy(f => f.Sequence).ToArray();
                        _pending.Clear();
                        return taken;
                    }
                }

                await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
