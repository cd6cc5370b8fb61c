namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// The single-node challenge store: a dictionary under a lock. Used challenges are kept (as tombstones) until
/// <see cref="CardChallenge.ExpiresAt"/> plus <see cref="Retention"/>, so a replay is reported as such rather than as
/// unknown; entries past that are dropped when a challenge is added. Full of live entries, it refuses new challenges
/// (<c>pkcs11.challenge-store-full</c>, fail closed) instead of growing without bound.
/// </summary>
public sealed class InMemoryCardChallengeStore : ICardChallengeStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="capacity">The most challenges kept at once (default 100 000).</param>
    /// <exception cref="CarteAuthException"><c>pkcs11.invalid-options</c> when the capacity is below 1.</exception>
    public InMemoryCardChallengeStore(TimeProvider? timeProvider = null, int capacity = 100_000)
    {
        if (capacity < 1)
        {
            throw new CarteAuthException(ReasonCodes.Pkcs11InvalidOptions, $"The challenge store capacity is {capacity}; it must be 1 or more (default 100000).");
        }

        _time = timeProvider ?? TimeProvider.System;
        Capacity = capacity;
    }

    /// <summary>The most challenges kept at once.</summary>
    public int Capacity { get; }

    /// <summary>How long a challenge is remembered after it expires (to report replays precisely): 5 minutes.</summary>
    public static TimeSpan Retention { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The number of challenges (live or tombstones) held now.</summary>
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
    public ValueTask AddAsync(CardChallenge challenge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_entries.Count >= Capacity)
            {
                Purge(_time.GetUtcNow());
            }

            if (_entries.Count >= Capacity)
            {
                throw new CarteAuthException(
                    ReasonCodes.Pkcs11ChallengeStoreFull,
                    $"The challenge store holds {Capacity} unexpired challenges; no new challenge is issued. Rate-limit the challenge endpoint or raise the capacity.");
            }

            if (!_entries.TryAdd(challenge.Id, new Entry(challenge)))
            {
                throw new ArgumentException($"A challenge with id '{challenge.Id}' is already stored; ids must be unique.", nameof(challenge));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<CardChallengeLookup> ConsumeAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                return ValueTask.FromResult(new CardChallengeLookup(CardChallengeStatus.Unknown, null));
            }

            if (entry.Used)
            {
                return ValueTask.FromResult(new CardChallengeLookup(CardChallengeStatus.AlreadyUsed, null));
            }

            entry.Used = true;
            return ValueTask.FromResult(new CardChallengeLookup(CardChallengeStatus.FirstUse, entry.Challenge));
        }
    }

    private void Purge(DateTimeOffset now)
    {
        foreach (var (id, entry) in _entries.ToList())
        {
            if (now > entry.Challenge.ExpiresAt + Retention || (entry.Used && now > entry.Challenge.ExpiresAt))
            {
                _entries.Remove(id);
            }
        }
    }

    private sealed class Entry(CardChallenge challenge)
    {
        public CardChallenge Challenge { get; } = challenge;

        public bool Used { get; set; }
    }
}
