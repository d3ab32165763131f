using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Monitor.Contracts.Containers;
using Orleans.Monitor.Contracts.Hosts;
using Orleans.Monitor.Contracts.Metrics;
using Orleans.Monitor.Contracts.Storage;

namespace Orleans.Monitor.Storage.Writing;

/// <summary>
/// Persists minute aggregates, container events, hosts and containers in batches. Rows stay queued while the store fails and are
/// retried with backoff, so a database outage shorter than the queue loses no minute; writes are idempotent,
/// so a retry after an unclear failure never duplicates a row. Minutes and events are also appended to the
/// <see cref="WriteSpool"/> before they are accepted, so a process killed during an outage replays them at its next start.
/// </summary>
public sealed partial class AggregateWriter : IHostedService, IDisposable
{
    private readonly IMonitorStore _store;
    private readonly WriteSpool _spool;
    private readonly Lock _spoolGate = new();
    private readonly AggregateWriterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AggregateWriter> _logger;
    private readonly Channel<MinuteAggregate> _aggregates;
    private readonly Channel<ContainerEvent> _events;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PendingHost> _hosts = [];
    private readonly Dictionary<string, ContainerInfo> _containers = [];
    private readonly List<MinuteAggregate> _batch = [];
    private readonly List<ContainerEvent> _eventBatch = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _stop;
    private Task? _loop;
    private int _batchCount;
    private int _eventBatchCount;
    private long _dropped;
    private long _droppedReported;
    private long _droppedEvents;
    private long _droppedEventsReported;
    private long _failedFlushes;

    public AggregateWriter(IMonitorStore store, IOptions<AggregateWriterOptions> options, TimeProvider timeProvider, ILogger<AggregateWriter> logger, WriteSpool? spool = null)
    {
        _store = store;
        _spool = spool ?? WriteSpool.None();
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        if (_options.Validate() is { } error)
        {
            throw new OptionsValidationException(AggregateWriterOptions.SectionName, typeof(AggregateWriterOptions), [error]);
        }

        _aggregates = Channel.CreateBounded<MinuteAggregate>(
            new BoundedChannelOptions(_options.MaxPendingAggregates) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _events = Channel.CreateBounded<ContainerEvent>(
            new BoundedChannelOptions(_options.MaxPendingEvents) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _droppedEvents));
    }

    /// <summary>Aggregates waiting to be written, including a batch being retried.</summary>
    public int PendingCount => _aggregates.Reader.Count + Volatile.Read(ref _batchCount);

    /// <summary>Container events waiting to be written, including a batch being retried.</summary>
    public int PendingEventCount => _events.Reader.Count + Volatile.Read(ref _eventBatchCount);

    /// <summary>Container events dropped because their queue was full.</summary>
    public long DroppedEventCount => Interlocked.Read(ref _droppedEvents);

    /// <summary>Aggregates dropped because the queue was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Flushes that failed and were retried.</summary>
    public long FailedFlushCount => Interlocked.Read(ref _failedFlushes);

    /// <summary>Queues one closed minute; never blocks.</summary>
    public void Enqueue(MinuteAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);

        // Spool and queue under one lock: a flush seals the spool between rows, never between a row's two copies.
        lock (_spoolGate)
        {
            _spool.Append(aggregate);
            _aggregates.Writer.TryWrite(aggregate);
        }

        if (_aggregates.Reader.Count >= _options.MaxBatchSize)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>Queues one container event; never blocks. Kept through store failures like minutes, never merged.</summary>
    public void Enqueue(ContainerEvent containerEvent)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        lock (_spoolGate)
        {
            _spool.Append(containerEvent);
            _events.Writer.TryWrite(containerEvent);
        }

        if (_events.Reader.Count >= _options.MaxBatchSize)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>Queues the host's latest facts; only the newest per host is kept until it is written.</summary>
    public void Enqueue(HostInfo host, DateTimeOffset seenAt)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (_gate)
        {
            _hosts[host.HostId] = new PendingHost(host, seenAt);
        }
    }

    /// <summary>Queues container metadata; only the newest per container is kept until it is written.</summary>
    public void Enqueue(IEnumerable<ContainerInfo> containers)
    {
        ArgumentNullException.ThrowIfNull(containers);
        lock (_gate)
        {
            foreach (var container in containers)
            {
                _containers[container.Id] = container;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // What an earlier process accepted and did not write goes first, in the order it was accepted.
        foreach (var entry in _spool.Open())
        {
            if (entry.Aggregate is { } aggregate)
            {
                _aggregates.Writer.TryWrite(aggregate);
            }
            else if (entry.Event is { } containerEvent)
            {
                _events.Writer.TryWrite(containerEvent);
            }
        }

        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Stops the loop, then keeps flushing until everything is written or the host's stop timeout ends.</summary>
    /// <remarks>
    /// Idempotent: a host can be stopped twice (WebApplicationFactory stops it while Program's RunAsync stops and
    /// disposes it too); a second stop must not touch what the first one's dispose released.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _stop ??= StopOnceAsync(cancellationToken);
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        var failures = 0;
        while (true)
        {
            try
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                failures++;
                Interlocked.Increment(ref _failedFlushes);
                var delay = RetryDelay(failures);
                LogFlushFailed(_logger, PendingCount + PendingEventCount, delay, ex);
                try
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    LogUnwrittenAtStop(_logger, PendingCount, PendingEventCount);
                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                LogUnwrittenAtStop(_logger, PendingCount, PendingEventCount);
                return;
            }
        }
    }

    /// <summary>Writes everything queued so far: hosts, then containers, then events and aggregates in batches.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long spooled;
            lock (_spoolGate)
            {
                // Every row in the segments sealed here is queued now: once the queues are empty, they are written.
                spooled = _spool.Seal();
            }

            await FlushHostsAsync(cancellationToken).ConfigureAwait(false);
            await FlushContainersAsync(cancellationToken).ConfigureAwait(false);
            await FlushEventsAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                // A batch that failed is still here and is retried as is before anything newer.
                while (_batch.Count < _options.MaxBatchSize && _aggregates.Reader.TryRead(out var aggregate))
                {
                    _batch.Add(aggregate);
                }

                Volatile.Write(ref _batchCount, _batch.Count);
                if (_batch.Count == 0)
                {
                    _spool.Release(spooled);
                    return;
                }

                await _store.WriteAggregatesAsync(_batch, cancellationToken).ConfigureAwait(false);
                _batch.Clear();
                Volatile.Write(ref _batchCount, 0);
            }
        }
        finally
        {
            ReportDrops();
            _flushLock.Release();
        }
    }

    public void Dispose()
    {
        _spool.Dispose();
        _stopping.Dispose();
        _flushLock.Dispose();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (failures == 0)
                {
                    await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(RetryDelay(failures), _timeProvider, stoppingToken).ConfigureAwait(false);
                }

                await FlushAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Any store failure is retried: the rows stay queued, and the loop must outlive the outage.
                failures++;
                Interlocked.Increment(ref _failedFlushes);
                LogFlushFailed(_logger, PendingCount + PendingEventCount, RetryDelay(failures), ex);
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var interval = new CancellationTokenSource(_options.FlushInterval, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, interval.Token);
        try
        {
            await _wake.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interval.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            // The interval elapsed: a regular flush.
        }
    }

    private async Task FlushHostsAsync(CancellationToken cancellationToken)
    {
        PendingHost[] hosts;
        lock (_gate)
        {
            hosts = [.. _hosts.Values];
        }

        foreach (var pending in hosts)
        {
            await _store.UpsertHostAsync(pending.Info, pending.SeenAt, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                // A newer value queued during the write stays for the next flush.
                if (_hosts.TryGetValue(pending.Info.HostId, out var current) && ReferenceEquals(current, pending))
                {
                    _hosts.Remove(pending.Info.HostId);
                }
            }
        }
    }

    private async Task FlushContainersAsync(CancellationToken cancellationToken)
    {
        ContainerInfo[] containers;
        lock (_gate)
        {
            containers = [.. _containers.Values];
        }

        if (containers.Length == 0)
        {
            return;
        }

        await _store.UpsertContainersAsync(containers, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var written in containers)
            {
                if (_containers.TryGetValue(written.Id, out var current) && ReferenceEquals(current, written))
                {
                    _containers.Remove(written.Id);
                }
            }
        }
    }

    private async Task FlushEventsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // As with minutes: a batch that failed is retried as is before anything newer.
            while (_eventBatch.Count < _options.MaxBatchSize && _events.Reader.TryRead(out var containerEvent))
            {
                _eventBatch.Add(containerEvent);
            }

            Volatile.Write(ref _eventBatchCount, _eventBatch.Count);
            if (_eventBatch.Count == 0)
            {
                return;
            }

            await _store.WriteEventsAsync(_eventBatch, cancellationToken).ConfigureAwait(false);
            _eventBatch.Clear();
            Volatile.Write(ref _eventBatchCount, 0);
        }
    }

    private void ReportDrops()
    {
        var events = Interlocked.Read(ref _droppedEvents);
        if (events > _droppedEventsReported)
        {
            LogEventsDropped(_logger, events - _droppedEventsReported, _options.MaxPendingEvents);
            _droppedEventsReported = events;
        }

        var total = Interlocked.Read(ref _dropped);
        if (total > _droppedReported)
        {
            LogDropped(_logger, total - _droppedReported, _options.MaxPendingAggregates);
            _droppedReported = total;
        }
    }

    private TimeSpan RetryDelay(int failures)
    {
        var exponential = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = Math.Min(exponential, _options.RetryMaxDelay.TotalMilliseconds);
        // Jitter in [50 %, 100 %] keeps silos that lost the same database from retrying in lockstep.
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
#pragma warning restore CA5394
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The container event queue is full ({Capacity} events); dropped the {Dropped} oldest")]
    private static partial void LogEventsDropped(ILogger logger, long dropped, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing minute aggregates failed; {Pending} rows kept, retrying in {Delay}")]
    private static partial void LogFlushFailed(ILogger logger, int pending, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The aggregate queue is full ({Capacity} rows); dropped the {Dropped} oldest")]
    private static partial void LogDropped(ILogger logger, long dropped, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopped with {Pending} minute aggregates and {PendingEvents} container events not written")]
    private static partial void LogUnwrittenAtStop(ILogger logger, int pending, int pendingEvents);

    private sealed record PendingHost(HostInfo Info, DateTimeOffset SeenAt);
}
