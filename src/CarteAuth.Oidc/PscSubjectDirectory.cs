namespace CarteAuth.Oidc;

/// <summary>What a sign-in established: the provider's <c>sub</c> and <c>sid</c> and the professional's idNat.</summary>
/// <param name="Subject">The provider's subject.</param>
/// <param name="SessionId">The provider's session id, when given.</param>
/// <param name="NationalId">The professional's idNat (the subject of CarteAuth sessions).</param>
/// <param name="ExpiresAt">When the ID token expired (records may be kept longer: sessions outlive ID tokens).</param>
public sealed record PscSubjectRecord(string Subject, string? SessionId, string NationalId, DateTimeOffset ExpiresAt);

/// <summary>
/// Remembers which professional (idNat) a provider <c>sub</c> / <c>sid</c> belongs to, so a back-channel logout token
/// (which names only <c>sub</c> and/or <c>sid</c>) can revoke that professional's CarteAuth sessions.
/// </summary>
public interface IPscSubjectDirectory
{
    /// <summary>Records a sign-in.</summary>
    ValueTask RecordAsync(PscSubjectRecord record, CancellationToken ct = default);

    /// <summary>The idNat for a session id or a subject, or null when unknown.</summary>
    ValueTask<string?> FindNationalIdAsync(string? subject, string? sessionId, CancellationToken ct = default);
}

/// <summary>
/// An in-process, bounded <see cref="IPscSubjectDirectory"/> (one node). Beyond its capacity the oldest sign-ins are
/// forgotten; a back-channel logout for them then falls back to a <c>sub</c> that is itself an idNat. Thread-safe.
/// </summary>
public sealed class InMemoryPscSubjectDirectory : IPscSubjectDirectory
{
    private readonly int _capacity;
    private readonly Dictionary<string, (string IdNat, long Sequence)> _bySubject = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string IdNat, long Sequence)> _bySession = new(StringComparer.Ordinal);
    private readonly Queue<(string Subject, string? Session, long Sequence)> _order = new();
    private readonly Lock _lock = new();
    private long _sequence;

    /// <summary>Creates the directory.</summary>
    /// <param name="capacity">How many sign-ins it remembers at most (default 100 000).</param>
    public InMemoryPscSubjectDirectory(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>How many sign-ins are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask RecordAsync(PscSubjectRecord record, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            var sequence = ++_sequence;
            _bySubject[record.Subject] = (record.NationalId, sequence);
            if (!string.IsNullOrEmpty(record.SessionId))
            {
                _bySession[record.SessionId] = (record.NationalId, sequence);
            }

            _order.Enqueue((record.Subject, record.SessionId, sequence));
            while (_order.Count > _capacity)
            {
                // Forget the oldest sign-in, unless a newer one re-recorded the same subject or session.
                var old = _order.Dequeue();
                if (_bySubject.TryGetValue(old.Subject, out var s) && s.Sequence == old.Sequence)
                {
                    _bySubject.Remove(old.Subject);
                }

                if (old.Session is not null && _bySession.TryGetValue(old.Session, out var x) && x.Sequence == old.Sequence)
                {
                    _bySession.Remove(old.Session);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<string?> FindNationalIdAsync(string? subject, string? sessionId, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (sessionId is not null && _bySession.TryGetValue(sessionId, out var bySid))
            {
                return new(bySid.IdNat);
            }

            return new(subject is not null && _bySubject.TryGetValue(subject, out var bySub) ? bySub.IdNat : null);
        }
    }
}
