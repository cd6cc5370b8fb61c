namespace CarteAuth.Pairing;

/// <summary>An <see cref="IPairingStore"/> in process memory (tests, demos; pairings are lost on restart). Thread-safe.</summary>
public sealed class InMemoryPairingStore : IPairingStore
{
    private readonly List<PairingRecord> _records = [];
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> GetByLocalAccountAsync(string localAccountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        lock (_lock)
        {
            return new(Latest(r => string.Equals(r.LocalAccountId, localAccountId, StringComparison.Ordinal)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> GetByNationalIdAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        lock (_lock)
        {
            return new(Latest(r => string.Equals(r.NationalId, nationalId, StringComparison.Ordinal)));
        }
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord> PairAsync(PairingRecord record, CancellationToken ct = default)
    {
        PairingStoreErrors.CheckNew(record);
        lock (_lock)
        {
            var existing = PairingStoreErrors.Decide(
                record,
                _records.Find(r => r.IsActive && string.Equals(r.LocalAccountId, record.LocalAccountId, StringComparison.Ordinal)),
                _records.Find(r => r.IsActive && string.Equals(r.NationalId, record.NationalId, StringComparison.Ordinal)));
            if (existing is not null)
            {
                return new(existing);
            }

            _records.Add(record);
            return new(record);
        }
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> UnpairAsync(string localAccountId, DateTimeOffset unpairedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        lock (_lock)
        {
            var index = _records.FindIndex(r => r.IsActive && string.Equals(r.LocalAccountId, localAccountId, StringComparison.Ordinal));
            if (index < 0)
            {
                return new((PairingRecord?)null);
            }

            var ended = _records[index] with { UnpairedAt = unpairedAt, UnpairReason = reason };
            _records[index] = ended;
            return new(ended);
        }
    }

    /// <summary>The active match, else the match ended last (insertion order breaks ties).</summary>
    private PairingRecord? Latest(Predicate<PairingRecord> match)
    {
        PairingRecord? latest = null;
        foreach (var r in _records)
        {
            if (!match(r))
            {
                continue;
            }

            if (r.IsActive)
            {
                return r;
            }

            if (latest is null || r.UnpairedAt >= latest.UnpairedAt)
            {
                latest = r;
            }
        }

        return latest;
    }
}
