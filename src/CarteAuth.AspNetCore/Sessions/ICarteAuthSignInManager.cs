using CarteAuth.Authentication;
using Microsoft.AspNetCore.Http;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// Starts and ends CarteAuth sessions. Login endpoints call <see cref="SignInAsync"/> with the evidence an
/// authenticator produced; the user is then signed in by the session cookie. Session starts and ends are audited.
/// </summary>
public interface ICarteAuthSignInManager
{
    /// <summary>
    /// Starts a session for <paramref name="evidence"/>: records it in the session store, audits it, issues its
    /// session token and sets the cookie on the response. The identity provider's session id (for back-channel
    /// logout) is taken from the evidence's <c>psc.sid</c> property when present.
    /// </summary>
    /// <returns>The new session.</returns>
    /// <exception cref="CarteAuthException">The session cannot be recorded or audited (<see cref="ReasonCodes.SessionStoreUnavailable"/>,
    /// <c>audit.*</c>), or the token cannot be issued (<c>token.*</c>): the user is not signed in.</exception>
    Task<CarteAuthSession> SignInAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct = default);

    /// <summary>Ends the request's session (if any) and deletes the cookie.</summary>
    Task SignOutAsync(HttpContext context);

    /// <summary>
    /// Signs the request's user out everywhere: increments their revocation epoch (every session token issued so far
    /// is refused, on every node sharing the epoch store), ends all their sessions and deletes the cookie.
    /// </summary>
    /// <returns>The number of sessions ended; 0 when the request has no CarteAuth session.</returns>
    Task<int> SignOutEverywhereAsync(HttpContext context);

    /// <summary>Ends every session of a professional (administration, back-channel logout) and increments their revocation epoch.</summary>
    /// <returns>The number of sessions ended.</returns>
    Task<int> EndAllSessionsAsync(string nationalId, string reason, CancellationToken ct = default);

    /// <summary>The request's session, when the CarteAuth scheme authenticated it.</summary>
    Task<ICarteAuthSessionFeature?> GetCurrentSessionAsync(HttpContext context);

    /// <summary>The active sessions of a professional (not ended, not expired), oldest first.</summary>
    Task<IReadOnlyList<CarteAuthSession>> ListSessionsAsync(string nationalId, CancellationToken ct = default);

    /// <summary>Ends one session of the request's user; false when it is not one of their active sessions.</summary>
    Task<bool> EndSessionAsync(HttpContext context, string sessionId);
}
