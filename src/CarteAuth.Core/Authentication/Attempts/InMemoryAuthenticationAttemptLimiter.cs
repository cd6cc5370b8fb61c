namespace CarteAuth.Authentication.Attempts;

/// <summary>
/// An in-process <see cref="IAuthenticationAttemptLimiter"/> (one node; use the Redis one to share counts between
/// nodes). Thread-safe, O(1) per call, one small object per tracked key. Memory is bounded by
/// <see cref="AttemptLimiterOptions.MaxTrackedKeys"/>: when a new key would exceed it, keys whose window and lockout
/// have ended are dropped, then (a spray of distinct sources) unlocked keys, until a tenth of the room is free;
/// locked keys are never dropped, so a lockout cannot be flushed away.
/// </summary>
public sealed class InMemoryAuthenticationAttemptLimiter : IAuthenticationAttemptLimiter
{
    private readonly TimeProvider _time;
    private readonly Dictionary<AttemptKey, Counter> _counters = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the limiter.</summary>
    /// <param name="options">The limits (validated here).</param>
    /// <param name="timeProvider">The clock of windows and lockouts.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.AuthInvalidAttemptLimits"/> when the options are invalid.</exception>
    public InMemoryAuthenticationAttemptLimiter(AttemptLimiterOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        Options = options;
        _time = timeProvider;
    }

    /// <inheritdoc/>
    public AttemptLimiterOptions Options { get; }

    /// <summary>How many keys are tracked.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _counters.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<AttemptStatus> GetStatusAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            return new(_counters.TryGetValue(key, out var counter) ? counter.Status(now) : AttemptStatus.Clear);
        }
    }

    /// <inheritdoc/>
    public ValueTask<AttemptStatus> RecordFailureAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (!_counters.TryGetValue(key, out var counter))
            {
                if (_counters.Count >= Options.MaxTrackedKeys)
                {
                    MakeRoom(now);
                }

                counter = new Counter();
                _counters.Add(key, counter);
            }

            if (counter.LockedUntil > now)
            {
                return new(counter.Status(now));
            }

            if (counter.WindowEnd <= now)
            {
                counter.Failures = 0;
                counter.WindowEnd = now + Options.Window.Ticks;
            }

            if (++counter.Failures >= Options.MaxFailures(key.Kind))
            {
                counter.Failures = 0;
                counter.WindowEnd = 0;
                counter.LockedUntil = now + Options.LockoutDuration.Ticks;
            }

            return new(counter.Status(now));
        }
    }

    /// <inheritdoc/>
    public ValueTask ResetAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (_counters.TryGetValue(key, out var counter) && counter.LockedUntil <= now)
            {
                _counters.Remove(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    // Called under the lock when full: frees a tenth of the room, so the O(n) sweep is amortised over as many adds.
    private void MakeRoom(long now)
    {
        var target = Options.MaxTrackedKeys - Math.Max(1, Options.MaxTrackedKeys / 10);
        foreach (var (key, counter) in _counters)
        {
            if (counter.LockedUntil <= now && counter.WindowEnd <= now)
            {
                _counters.Remove(key);
            }
        }

        if (_counters.Count <= target)
        {
            return;
        }

        foreach (var (key, counter) in _counters)
        {
            if (counter.LockedUntil <= now)
            {
                _counters.Remove(key);
                if (_counters.Count <= target)
                {
                    return;
                }
            }
        }
    }

    private sealed class Counter
    {
        public int Failures;
        public long WindowEnd;
        public long LockedUntil;

        public AttemptStatus Status(long now) =>
            LockedUntil > now ? new AttemptStatus(0, new DateTimeOffset(LockedUntil, TimeSpan.Zero))
            : WindowEnd > now ? new AttemptStatus(Failures, null)
            : AttemptStatus.Clear;
    }
}
