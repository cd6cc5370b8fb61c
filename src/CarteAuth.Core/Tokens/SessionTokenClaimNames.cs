namespace CarteAuth.Tokens;

/// <summary>Names of the claims CarteAuth session tokens carry (registered JWT claims and CarteAuth's own).</summary>
public static class SessionTokenClaimNames
{
    /// <summary><c>iss</c>: issuer (RFC 7519 §4.1.1).</summary>
    public const string Issuer = "iss";
    /// <summary><c>aud</c>: audience, a string or an array of strings (RFC 7519 §4.1.3).</summary>
    public const string Audience = "aud";
    /// <summary><c>sub</c>: the professional's national identifier (idNat) (RFC 7519 §4.1.2).</summary>
    public const string Subject = "sub";
    /// <summary><c>iat</c>: issued at, NumericDate (RFC 7519 §4.1.6).</summary>
    public const string IssuedAt = "iat";
    /// <summary><c>nbf</c>: not before, NumericDate (RFC 7519 §4.1.5).</summary>
    public const string NotBefore = "nbf";
    /// <summary><c>exp</c>: expiration time, NumericDate (RFC 7519 §4.1.4).</summary>
    public const string ExpiresAt = "exp";
    /// <summary><c>jti</c>: unique token identifier (RFC 7519 §4.1.7), 16 random bytes in base64url.</summary>
    public const string TokenId = "jti";
    /// <summary><c>sid</c>: session identifier (OpenID Connect Front-Channel Logout §3).</summary>
    public const string SessionId = "sid";
    /// <summary><c>auth_time</c>: when the professional authenticated, NumericDate (OpenID Connect Core §2).</summary>
    public const string AuthTime = "auth_time";
    /// <summary><c>amr</c>: authentication methods, array of RFC 8176 values.</summary>
    public const string Methods = "amr";
    /// <summary><c>acr</c>: authentication context class as received or asserted (e.g. <c>eidas1</c>).</summary>
    public const string Acr = "acr";
    /// <summary><c>loa</c>: CarteAuth's level of assurance (<c>low</c>, <c>substantial</c>, <c>high</c>).</summary>
    public const string Assurance = "loa";
    /// <summary><c>rev</c>: the subject's revocation epoch when the token was issued.</summary>
    public const string Epoch = "rev";
    /// <summary><c>authn</c>: the name of the authenticator that produced the evidence.</summary>
    public const string Authenticator = "authn";
    /// <summary><c>phr</c>: true when the authentication resisted phishing.</summary>
    public const string PhishingResistant = "phr";
    /// <summary><c>name</c>: display name.</summary>
    public const string Name = "name";
    /// <summary><c>given_name</c>: given name.</summary>
    public const string GivenName = "given_name";
    /// <summary><c>family_name</c>: family name.</summary>
    public const string FamilyName = "family_name";
    /// <summary><c>profession</c>: profession code (TRE_G15), when known.</summary>
    public const string Profession = "profession";
}
