namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// Keeps CarteAuth session records. Implementations: <see cref="InMemoryCarteAuthSessionStore"/> (one node, tests) and
/// <see cref="SqliteCarteAuthSessionStore"/> (embedded default). Implementations shared by several nodes must make
/// <see cref="EndAsync"/> and <see cref="EndAllAsync"/> visible to every node at once. Failures are
/// <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.SessionStoreUnavailable"/>.
/// </summary>
public interface ICarteAuthSessionStore
{
    /// <summary>Records a new session.</summary>
    ValueTask CreateAsync(CarteAuthSession session, CancellationToken ct = default);

    /// <summary>The session with this id (active or ended), or null when unknown.</summary>
    ValueTask<CarteAuthSession?> GetAsync(string sessionId, CancellationToken ct = default);

    /// <summary>Records that the session was used at <paramref name="lastSeenAt"/> (sliding idle expiry).</summary>
    ValueTask TouchAsync(string sessionId, DateTimeOffset lastSeenAt, CancellationToken ct = default);

    /// <summary>Ends one session; returns false when it is unknown or already ended.</summary>
    ValueTask<bool> EndAsync(string sessionId, DateTimeOffset endedAt, string reason, CancellationToken ct = default);

    /// <summary>Ends every active session of a professional; returns how many were ended.</summary>
    ValueTask<int> EndAllAsync(string nationalId, DateTimeOffset endedAt, string reason, CancellationToken ct = default);

    /// <summary>The sessions of a professional that are not ended (including expired ones not yet ended), oldest first.</summary>
    ValueTask<IReadOnlyList<CarteAuthSession>> ListAsync(string nationalId, CancellationToken ct = default);

    /// <summary>The sessions, not ended, started under an identity provider session (PSC <c>sid</c>).</summary>
    ValueTask<IReadOnlyList<CarteAuthSession>> FindByProviderSessionAsync(string providerSessionId, CancellationToken ct = default);
}
