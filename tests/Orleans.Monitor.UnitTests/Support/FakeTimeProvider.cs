namespace Orleans.Monitor.UnitTests.Support;

/// <summary>
/// A manual clock for tests: time moves only on <see cref="Advance"/> or <see cref="SetUtcNow"/>, and timers
/// created through it (including <c>Task.Delay</c>, <c>PeriodicTimer</c> and <c>CancellationTokenSource</c> given
/// this provider) fire during that call, in due order, each seeing the clock at its due time.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _utcNow;
    private long _nextTimerId;

    public FakeTimeProvider()
        : this(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public FakeTimeProvider(DateTimeOffset startUtc) => _utcNow = startUtc.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Timers that will fire on some future advance (created, not disposed, not waiting forever).</summary>
    public int PendingTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(static t => t.DueAt is not null);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _utcNow;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        lock (_gate)
        {
            timer.Id = _nextTimerId++;
            _timers.Add(timer);
            timer.Schedule(_utcNow, dueTime, period);
        }

        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        SetUtcNow(GetUtcNow() + delta);
    }

    /// <summary>Sets the clock; it only moves forward, because timers are scheduled against it.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                if (value < _utcNow)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, $"The fake clock cannot go back from {_utcNow:O}.");
                }

                next = _timers
                    .Where(t => t.DueAt <= value)
                    .OrderBy(static t => t.DueAt)
                    .ThenBy(static t => t.Id)
                    .FirstOrDefault();
                if (next is null)
                {
                    _utcNow = value;
                    return;
                }

                _utcNow = next.DueAt!.Value;
                next.Reschedule();
            }

            // Outside the lock: callbacks may read the clock or create timers.
            next.Fire();
        }
    }

    private void Remove(FakeTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public long Id { get; set; }

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this))
                {
                    return false;
                }

                Schedule(owner._utcNow, dueTime, period);
                return true;
            }
        }

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            owner.Remove(this);
            return ValueTask.CompletedTask;
        }

        public void Schedule(DateTimeOffset now, TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime;
        }

        public void Reschedule() =>
            DueAt = _period == Timeout.InfiniteTimeSpan || _period <= TimeSpan.Zero ? null : DueAt + _period;

        public void Fire() => callback(state);
    }
}
