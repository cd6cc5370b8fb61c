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

    /// <summary>
    /// Deletes the sessions that ended, or expired (absolute or idle timeout), before <paramref name="before"/>; returns
    /// how many were deleted. Called by the purge service (<see cref="CarteAuthSessionPurgeOptions"/>) with now minus the
    /// retention. A later request with a purged session's cookie is refused as <see cref="ReasonCodes.SessionNotFound"/>
    /// instead of <see cref="ReasonCodes.SessionEnded"/>. The default purges nothing: for stores whose records expire by
    /// themselves (e.g. a time-to-live); every store keeping records should implement it.
    /// </summary>
    ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken ct = default) => ValueTask.FromResult(0);
}
