namespace CarteAuth.Tokens;

/// <summary>
/// Remembers the <c>jti</c> of one-time tokens (gateway assertions, step-up proofs) until they expire, so each is
/// accepted once. Implementations shared by several nodes (Redis <c>SET NX PX</c>) must make the add atomic.
/// </summary>
public interface IReplayCache
{
    /// <summary>Records a token id; false when it was already recorded and has not expired (a replay).</summary>
    /// <param name="tokenId">The token's <c>jti</c>.</param>
    /// <param name="expiresAt">When the entry may be forgotten: the token's expiry plus the validator's clock skew.</param>
    /// <param name="ct">Cancels the operation.</param>
    /// <exception cref="CarteAuthException">The cache cannot record the id (for example
    /// <see cref="ReasonCodes.TokenReplayCacheFull"/>); validators refuse the token with that reason.</exception>
    ValueTask<bool> TryAddAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken ct = default);
}

/// <summary>
/// An in-process, bounded <see cref="IReplayCache"/>. Thread-safe. Expired entries are purged (oldest expiry first)
/// on every add. When the cache holds <c>maxEntries</c> unexpired ids it <b>fails closed</b>: the add throws
/// <see cref="CarteAuthException"/> with <see cref="ReasonCodes.TokenReplayCacheFull"/> and the validator refuses the
/// token with that reason. Evicting an unexpired id would let its token be replayed, and accepting without recording
/// would do the same, so neither is done; size the cache for the peak number of one-time tokens per token lifetime.
/// </summary>
public sealed class InMemoryReplayCache : IReplayCache
{
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private readonly Dictionary<string, long> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _byExpiry = new();
    private readonly Lock _lock = new();

    /// <summary>Creates the cache.</summary>
    /// <param name="timeProvider">The clock deciding when entries expire.</param>
    /// <param name="maxEntries">How many unexpired ids it holds at most (1 or more).</param>
    public InMemoryReplayCache(TimeProvider timeProvider, int maxEntries = 100_000)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _time = timeProvider;
        _maxEntries = maxEntries;
    }

    /// <summary>How many ids are held (expired ones included until the next purge).</summary>
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
    public ValueTask<bool> TryAddAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenId);
        var now = _time.GetUtcNow().UtcTicks;
        var expires = expiresAt.UtcTicks;
        lock (_lock)
        {
            // Purge expired entries, soonest expiry first. An id is in the queue once while it is in the dictionary.
            while (_byExpiry.TryPeek(out var oldId, out var oldExpiry) && oldExpiry <= now)
            {
                _byExpiry.Dequeue();
                _entries.Remove(oldId);
            }

            if (_entries.ContainsKey(tokenId))
            {
                return new(false);
            }

            if (_entries.Count >= _maxEntries)
            {
                throw new CarteAuthException(
                    ReasonCodes.TokenReplayCacheFull,
                    $"The replay cache holds {_maxEntries} unexpired one-time token ids and cannot record another, so the token is refused (fail closed). Raise maxEntries of InMemoryReplayCache, shorten the token lifetime, or use a shared replay cache.");
            }

            _entries.Add(tokenId, expires);
            _byExpiry.Enqueue(tokenId, expires);
            return new(true);
        }
    }
}
