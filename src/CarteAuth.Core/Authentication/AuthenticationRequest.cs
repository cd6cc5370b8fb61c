namespace CarteAuth.Authentication;

/// <summary>
/// A credential to verify. Each authenticator package defines its own request type (certificate, WebAuthn
/// assertion, PSC authorization code…) deriving from this class.
/// </summary>
public abstract class AuthenticationRequest
{
    /// <summary>The request's context (client address, correlation id, zone).</summary>
    public AuthenticationContext Context { get; init; } = AuthenticationContext.Empty;

    /// <summary>
    /// The identity whose secret this attempt would guess, for the attempt limiter
    /// (<see cref="Attempts.IAuthenticationAttemptLimiter"/>): scoped by method so that one factor's success does not
    /// reset another's count (e.g. <c>radius-password:alice</c>, <c>radius-otp:alice</c>, <c>webauthn:&lt;credential id&gt;</c>).
    /// Null (the default) when the identity is not known before verifying: only the source is limited.
    /// </summary>
    public virtual string? AttemptIdentity => null;
}
