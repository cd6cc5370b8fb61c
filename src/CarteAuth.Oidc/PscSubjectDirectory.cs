using System.Collections.Concurrent;

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

/// <summary>An in-process, bounded <see cref="IPscSubjectDirectory"/> (one node; the oldest entries are dropped beyond the capacity).</summary>
public sealed class InMemoryPscSubjectDirectory : IPscSubjectDirectory
{
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, string> _bySubject = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _bySession = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string? Subject, string? Session)> _order = new();

    /// <summary>Creates the directory.</summary>
    /// <param name="capacity">How many subjects and sessions it keeps at most (default 100 000).</param>
    public InMemoryPscSubjectDirectory(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <inheritdoc/>
    public ValueTask RecordAsync(PscSubjectRecord record, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        _bySubject[record.Subject] = record.NationalId;
        if (record.SessionId is { Length: > 0 } sid)
        {
            _bySession[sid] = record.NationalId;
        }

        _order.Enqueue((record.Subject, record.SessionId));
        while (_order.Count > _capacity && _order.TryDequeue(out var old))
        {
            if (old.Session is not null)
            {
                _bySession.TryRemove(old.Session, out _);
            }
        }

        while (_bySubject.Count > _capacity && _order.TryDequeue(out var old))
        {
            if (old.Subject is not null)
            {
                _bySubject.TryRemove(old.Subject, out _);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<string?> FindNationalIdAsync(string? subject, string? sessionId, CancellationToken ct = default)
    {
        if (sessionId is not null && _bySession.TryGetValue(sessionId, out var bySid))
        {
            return new(bySid);
        }

        return new(subject is not null && _bySubject.TryGetValue(subject, out var bySub) ? bySub : null);
    }
}
