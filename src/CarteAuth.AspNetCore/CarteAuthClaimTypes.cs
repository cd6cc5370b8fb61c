namespace CarteAuth.AspNetCore;

/// <summary>
/// The claim types of the <see cref="System.Security.Claims.ClaimsPrincipal"/> built from CarteAuth evidence (see
/// <see cref="CarteAuthPrincipalFactory"/>). Short, OIDC-like names (no XML-schema URIs); the name claim type is
/// <see cref="Name"/> and the subject (<see cref="NationalId"/>) is also the name identifier.
/// </summary>
public static class CarteAuthClaimTypes
{
    /// <summary>The professional's national identifier (idNat, e.g. <c>810002813839</c>). One value.</summary>
    public const string NationalId = "idnat";

    /// <summary>The display name (<c>Given FAMILY</c>). One value.</summary>
    public const string Name = "name";

    /// <summary>The given name, when known.</summary>
    public const string GivenName = "given_name";

    /// <summary>The family name.</summary>
    public const string FamilyName = "family_name";

    /// <summary>The profession code (TRE_G15, e.g. <c>10</c> Médecin), when known.</summary>
    public const string Profession = "profession";

    /// <summary>One claim per structure the professional acts for (national structure identifier, e.g. a FINESS).</summary>
    public const string Structure = "structure";

    /// <summary>One claim per role carried by the identity.</summary>
    public const string Role = "role";

    /// <summary>One claim per authentication method (RFC 8176 amr value: <c>sc</c>, <c>pin</c>, <c>hwk</c>…).</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>The authentication context class as received or asserted (e.g. <c>eidas1</c>).</summary>
    public const string AuthenticationContextClass = "acr";

    /// <summary>The level of assurance reached (<c>low</c>, <c>substantial</c>, <c>high</c>).</summary>
    public const string AssuranceLevel = "level";

    /// <summary>When the professional authenticated, Unix seconds (OIDC <c>auth_time</c>).</summary>
    public const string AuthenticationTime = "auth_time";

    /// <summary>The authenticator that produced the evidence (<c>smartcard</c>, <c>fido2</c>, <c>psc</c>…).</summary>
    public const string Authenticator = "authenticator";

    /// <summary><c>true</c> when the method resists phishing (TLS client certificate, WebAuthn), else <c>false</c>.</summary>
    public const string PhishingResistant = "phr";

    /// <summary>The CarteAuth session id (the session token's <c>sid</c>, the session store's key).</summary>
    public const string SessionId = "sid";

    /// <summary>The local account the session acts for (HOSPI-Connect pairing); absent without pairing.</summary>
    public const string LocalAccount = "local_account";
}
