using System.Collections.Concurrent;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// An in-process <see cref="ICarteAuthSessionStore"/> (one node; sessions are lost on restart). Thread-safe. Ended
/// sessions are kept (so a replayed cookie says <see cref="ReasonCodes.SessionEnded"/>) until purged
/// (<see cref="PurgeAsync"/>, run by the purge service) or the process ends: use <see cref="SqliteCarteAuthSessionStore"/> or a shared store for long-running hosts.
/// </summary>
public sealed class InMemoryCarteAuthSessionStore : ICarteAuthSessionStore
{
    private readonly ConcurrentDictionary<string, CarteAuthSession> _sessions = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask CreateAsync(CarteAuthSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!_sessions.TryAdd(session.Id, session))
        {
            throw new ArgumentException($"A session with id '{session.Id}' already exists.", nameof(session));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<CarteAuthSession?> GetAsync(string sessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return new(_sessions.TryGetValue(sessionId, out var s) ? s : null);
    }

    /// <inheritdoc/>
    public ValueTask TouchAsync(string sessionId, DateTimeOffset lastSeenAt, CancellationToken ct = default)
    {
        Update(sessionId, s => s.EndedAt is null && lastSeenAt > s.LastSeenAt ? s with { LastSeenAt = lastSeenAt } : null);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<bool> EndAsync(string sessionId, DateTimeOffset endedAt, string reason, CancellationToken ct = default) =>
        new(Update(sessionId, s => s.EndedAt is null ? s with { EndedAt = endedAt, EndReason = reason } : null));

    /// <inheritdoc/>
    public ValueTask<int> EndAllAsync(string nationalId, DateTimeOffset endedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        var count = 0;
        foreach (var s in _sessions.Values)
        {
            if (string.Equals(s.NationalId, nationalId, StringComparison.Ordinal) && Update(s.Id, x => x.EndedAt is null ? x with { EndedAt = endedAt, EndReason = reason } : null))
            {
                count++;
            }
        }

        return new(count);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<CarteAuthSession>> ListAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return new([.. _sessions.Values.Where(s => s.EndedAt is null && string.Equals(s.NationalId, nationalId, StringComparison.Ordinal)).OrderBy(static s => s.CreatedAt)]);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<CarteAuthSession>> FindByProviderSessionAsync(string providerSessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(providerSessionId);
        return new([.. _sessions.Values.Where(s => s.EndedAt is null && string.Equals(s.ProviderSessionId, providerSessionId, StringComparison.Ordinal)).OrderBy(static s => s.CreatedAt)]);
    }

    /// <inheritdoc/>
    public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var count = 0;
        foreach (var s in _sessions.Values)
        {
            if (PurgeableBefore(s, before) && ((ICollection<KeyValuePair<string, CarteAuthSession>>)_sessions).Remove(new(s.Id, s)))
            {
                count++;
            }
        }

        return new(count);
    }

    /// <summary>True when the session ended or expired before <paramref name="before"/> (the rule of <see cref="ICarteAuthSessionStore.PurgeAsync"/>).</summary>
    internal static bool PurgeableBefore(CarteAuthSession s, DateTimeOffset before) =>
        s.EndedAt < before || s.AbsoluteExpiresAt < before || s.IdleExpiresAt < before;

    private bool Update(string id, Func<CarteAuthSession, CarteAuthSession?> change)
    {
        ArgumentNullException.ThrowIfNull(id);
        while (_sessions.TryGetValue(id, out var current))
        {
            var next = change(current);
            if (next is null)
            {
                return false;
            }

            if (_sessions.TryUpdate(id, next, current))
            {
                return true;
            }
        }

        return false;
    }
}
