namespace CarteAuth.Fido2.Challenges;

/// <summary>
/// The single-node challenge store: a dictionary under a lock, keyed by the challenge. Consumed challenges are
/// removed (a replay finds nothing); expired ones are dropped when the store is full. Full of live challenges, it
/// refuses new ones (fail closed) instead of growing without bound.
/// </summary>
public sealed class InMemoryWebAuthnChallengeStore : IWebAuthnChallengeStore
{
    private readonly Dictionary<byte[], WebAuthnChallengeState> _entries = new(ByteContent.Comparer);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    /// <param name="timeProvider">The clock (default the system clock).</param>
    /// <param name="capacity">The most challenges held at once (default 100 000).</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnInvalidOptions"/> when the capacity is below 1.</exception>
    public InMemoryWebAuthnChallengeStore(TimeProvider? timeProvider = null, int capacity = 100_000)
    {
        if (capacity < 1)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnInvalidOptions, $"The WebAuthn challenge store capacity is {capacity}; it must be 1 or more (default 100000).");
        }

        _time = timeProvider ?? TimeProvider.System;
        Capacity = capacity;
    }

    /// <summary>The most challenges held at once.</summary>
    public int Capacity { get; }

    /// <summary>The number of challenges held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask StoreAsync(WebAuthnChallengeState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        cancellationToken.ThrowIfCancellationRequested();
        var key = state.Challenge.ToArray();
        lock (_lock)
        {
            if (_entries.Count >= Capacity)
            {
                var now = _time.GetUtcNow();
                foreach (var (k, v) in _entries.ToList())
                {
                    if (v.ExpiresAt <= now)
                    {
                        _entries.Remove(k);
                    }
                }
            }

            if (_entries.Count >= Capacity)
            {
                // No dedicated code: the closest is challenge-unknown (the ceremony cannot start with a usable challenge).
                throw new WebAuthnException(ReasonCodes.WebAuthnChallengeStoreFull, $"The WebAuthn challenge store holds {Capacity} unexpired challenges; no new challenge is issued. Rate-limit the options endpoints or raise Fido2Options.ChallengeStoreCapacity.");
            }

            if (!_entries.TryAdd(key, state))
            {
                throw new ArgumentException("This challenge is already stored; challenges must be fresh random bytes.", nameof(state));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<WebAuthnChallengeState?> ConsumeAsync(ReadOnlyMemory<byte> challenge, WebAuthnCeremony ceremony, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_entries.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(challenge.Span, out _, out var state))
            {
                return ValueTask.FromResult<WebAuthnChallengeState?>(null);
            }

            // Removed whatever happens next: a challenge is answered at most once, even by a wrong response.
            return ValueTask.FromResult(state.Ceremony == ceremony && _time.GetUtcNow() < state.ExpiresAt ? state : null);
        }
    }
}
