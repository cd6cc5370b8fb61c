namespace CarteAuth.Authentication;

/// <summary>
/// A credential to verify. Each authenticator package defines its own request type (certificate, WebAuthn
/// assertion, PSC authorization code…) deriving from this class.
/// </summary>
public abstract class AuthenticationRequest
{
    /// <summary>The request's context (client address, correlation id, zone).</summary>
    public AuthenticationContext Context { get; init; } = AuthenticationContext.Empty;
}
