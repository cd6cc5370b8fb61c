using CarteAuth.Authentication;

namespace CarteAuth.Tokens;

/// <summary>The claims of a validated CarteAuth session token. See <see cref="SessionTokenClaimNames"/> for the JSON names.</summary>
public sealed class SessionTokenClaims
{
    internal SessionTokenClaims(
        string subject,
        string tokenId,
        string keyId,
        DateTimeOffset issuedAt,
        DateTimeOffset expiresAt,
        long epoch)
    {
        Subject = subject;
        TokenId = tokenId;
        KeyId = keyId;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        Epoch = epoch;
    }

    /// <summary><c>sub</c>: the professional's national identifier (idNat).</summary>
    public string Subject { get; }

    /// <summary><c>sid</c>: the session the token belongs to, when present.</summary>
    public string? SessionId { get; internal init; }

    /// <summary><c>jti</c>: the token's unique id.</summary>
    public string TokenId { get; }

    /// <summary><c>iat</c>: when the token was issued.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary><c>nbf</c>: when the token starts being valid, when present.</summary>
    public DateTimeOffset? NotBefore { get; internal init; }

    /// <summary><c>exp</c>: when the token expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary><c>auth_time</c>: when the professional authenticated, when present.</summary>
    public DateTimeOffset? AuthTime { get; internal init; }

    /// <summary><c>amr</c>: the RFC 8176 methods used (values CarteAuth does not know are ignored).</summary>
    public AuthenticationMethods Methods { get; internal init; }

    /// <summary>
    /// The level of assurance: from <c>loa</c>, else derived from <c>acr</c>, else <see cref="AssuranceLevel.None"/>.
    /// </summary>
    public AssuranceLevel Assurance { get; internal init; }

    /// <summary><c>acr</c>: the authentication context class as received or asserted (e.g. <c>eidas1</c>), when present.</summary>
    public string? Acr { get; internal init; }

    /// <summary><c>rev</c>: the subject's revocation epoch when the token was issued.</summary>
    public long Epoch { get; }

    /// <summary><c>authn</c>: the authenticator that produced the evidence (e.g. <c>smartcard</c>, <c>fido2</c>, <c>psc</c>).</summary>
    public string? Authenticator { get; internal init; }

    /// <summary><c>phr</c>: true when the authentication resisted phishing (false when absent).</summary>
    public bool IsPhishingResistant { get; internal init; }

    /// <summary><c>name</c>: display name, when present.</summary>
    public string? Name { get; internal init; }

    /// <summary><c>given_name</c>, when present.</summary>
    public string? GivenName { get; internal init; }

    /// <summary><c>family_name</c>, when present.</summary>
    public string? FamilyName { get; internal init; }

    /// <summary><c>profession</c>: profession code (TRE_G15), when present.</summary>
    public string? ProfessionCode { get; internal init; }

    /// <summary>The <c>kid</c> of the key that signed the token.</summary>
    public string KeyId { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Subject} (jti {TokenId}, exp {ExpiresAt:O})";
}
