namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// A server-side session record: who signed in, with what evidence, from where, and when it expires. The session
/// cookie carries a CarteAuth session token whose <c>sid</c> is <see cref="Id"/>; a request is authenticated only
/// when both the token and this record are valid. Immutable: stores return updated copies.
/// </summary>
public sealed record CarteAuthSession
{
    /// <summary>The session id (the session token's <c>sid</c>): 22 base64url characters, random.</summary>
    public required string Id { get; init; }

    /// <summary>The professional's idNat.</summary>
    public required string NationalId { get; init; }

    /// <summary>The evidence of the sign-in, in <see cref="CarteAuth.Authentication.EvidenceJson"/> form.</summary>
    public required string EvidenceJson { get; init; }

    /// <summary>The authenticator that produced the evidence (<c>smartcard</c>, <c>fido2</c>, <c>psc</c>…).</summary>
    public required string Authenticator { get; init; }

    /// <summary>When the session started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a request last used the session (updated at most every <see cref="CarteAuthSessionOptions.LastSeenUpdateInterval"/>).</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>How long the session may stay unused before it ends.</summary>
    public required TimeSpan IdleTimeout { get; init; }

    /// <summary>When the session ends whatever its activity.</summary>
    public required DateTimeOffset AbsoluteExpiresAt { get; init; }

    /// <summary>The client's address at sign-in, when known.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The client's User-Agent at sign-in (truncated to 256 characters), when known.</summary>
    public string? UserAgent { get; init; }

    /// <summary>The identity provider's session id (PSC <c>sid</c>), used by back-channel logout; null for local methods.</summary>
    public string? ProviderSessionId { get; init; }

    /// <summary>
    /// The local account the session acts for (HOSPI-Connect pairing, <c>AddPairing</c>): the account paired with the
    /// national identity when the session started; null without pairing.
    /// </summary>
    public string? LocalAccountId { get; init; }

    /// <summary>When the session was ended; null while active.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Why the session ended (a reason code or <c>sign-out</c>, <c>sign-out-everywhere</c>, <c>ended-by-user</c>, <c>backchannel-logout</c>).</summary>
    public string? EndReason { get; init; }

    /// <summary>When the session expires for idleness if no request comes.</summary>
    public DateTimeOffset IdleExpiresAt => LastSeenAt + IdleTimeout;

    /// <summary>True when the session is neither ended nor expired at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => EndedAt is null && now < AbsoluteExpiresAt && now < IdleExpiresAt;
}

/// <summary>Why a session was ended, as recorded in <see cref="CarteAuthSession.EndReason"/>.</summary>
public static class CarteAuthSessionEndReasons
{
    /// <summary>The user signed out of this session.</summary>
    public const string SignOut = "sign-out";

    /// <summary>The user signed out everywhere.</summary>
    public const string SignOutEverywhere = "sign-out-everywhere";

    /// <summary>The user ended the session from the session list.</summary>
    public const string EndedByUser = "ended-by-user";

    /// <summary>The browser signed in again (step-up, another professional): its previous session ended.</summary>
    public const string Replaced = "replaced";

    /// <summary>The identity provider's back-channel logout ended it.</summary>
    public const string BackchannelLogout = "backchannel-logout";

    /// <summary>The professional unpaired their local account: sessions opened with local methods (FIDO2) ended.</summary>
    public const string Unpaired = "unpaired";
}
