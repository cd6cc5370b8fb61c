namespace CarteAuth.AspNetCore;

/// <summary>One entry of <c>GET /carteauth/sessions</c> (JSON, camelCase).</summary>
/// <param name="Id">The session id (use it with <c>POST /carteauth/sessions/{id}/end</c>).</param>
/// <param name="Current">True for the session of the request.</param>
/// <param name="Authenticator">How the user signed in (<c>smartcard</c>, <c>fido2</c>, <c>psc</c>…).</param>
/// <param name="CreatedAt">When the session started.</param>
/// <param name="LastSeenAt">When it was last used (to within <c>LastSeenUpdateInterval</c>).</param>
/// <param name="ExpiresAt">When it ends if not used again (idle or absolute timeout, whichever is first).</param>
/// <param name="ClientAddress">The client address at sign-in.</param>
/// <param name="UserAgent">The browser at sign-in.</param>
public sealed record CarteAuthSessionSummary(
    string Id,
    bool Current,
    string Authenticator,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset ExpiresAt,
    string? ClientAddress,
    string? UserAgent);
