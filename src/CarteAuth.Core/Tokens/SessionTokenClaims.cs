using System.Buffers.Text;
using System.Text.Json;
using CarteAuth.Authentication;

namespace CarteAuth.Tokens;

/// <summary>The claims of a validated CarteAuth session token. See <see cref="SessionTokenClaimNames"/> for the JSON names.</summary>
/// <remarks>
/// The informational string claims (<c>jti</c>, <c>sid</c>, <c>authn</c>, names, profession) are decoded from the
/// token on first access, so validating a token costs no string allocation for claims the caller never reads.
/// Safe to read from several threads.
/// </remarks>
public sealed class SessionTokenClaims
{
    private readonly string _token;
    private readonly Range _payloadChars;
    private byte[]? _payload;
    private LazyString _tokenId;
    private LazyString _sessionId;
    private LazyString _authenticator;
    private LazyString _name;
    private LazyString _givenName;
    private LazyString _familyName;
    private LazyString _profession;

    internal SessionTokenClaims(
        string token,
        Range payloadChars,
        string subject,
        string keyId,
        DateTimeOffset issuedAt,
        DateTimeOffset expiresAt,
        long epoch)
    {
        _token = token;
        _payloadChars = payloadChars;
        Subject = subject;
        KeyId = keyId;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        Epoch = epoch;
    }

    /// <summary><c>sub</c>: the professional's national identifier (idNat).</summary>
    public string Subject { get; }

    /// <summary><c>sid</c>: the session the token belongs to, when present.</summary>
    public string? SessionId => Resolve(ref _sessionId);

    /// <summary><c>jti</c>: the token's unique id.</summary>
    public string TokenId => Resolve(ref _tokenId)!;

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
    public string? Authenticator => Resolve(ref _authenticator);

    /// <summary><c>phr</c>: true when the authentication resisted phishing (false when absent).</summary>
    public bool IsPhishingResistant { get; internal init; }

    /// <summary><c>name</c>: display name, when present.</summary>
    public string? Name => Resolve(ref _name);

    /// <summary><c>given_name</c>, when present.</summary>
    public string? GivenName => Resolve(ref _givenName);

    /// <summary><c>family_name</c>, when present.</summary>
    public string? FamilyName => Resolve(ref _familyName);

    /// <summary><c>profession</c>: profession code (TRE_G15), when present.</summary>
    public string? ProfessionCode => Resolve(ref _profession);

    /// <summary>The <c>kid</c> of the key that signed the token.</summary>
    public string KeyId { get; }

    /// <summary>Where the JSON string tokens (quotes included) of the lazily decoded claims are in the decoded payload.</summary>
    internal Range TokenIdJson { init => _tokenId = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range SessionIdJson { init => _sessionId = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range AuthenticatorJson { init => _authenticator = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range NameJson { init => _name = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range GivenNameJson { init => _givenName = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range FamilyNameJson { init => _familyName = new(value); }

    /// <inheritdoc cref="TokenIdJson"/>
    internal Range ProfessionJson { init => _profession = new(value); }

    /// <inheritdoc/>
    public override string ToString() => $"{Subject} (jti {TokenId}, exp {ExpiresAt:O})";

    private string? Resolve(ref LazyString claim)
    {
        if (claim.Value is { } value || !claim.Present)
        {
            return claim.Value;
        }

        // The payload was decoded and read once already during validation, by a reader (ClaimsJsonReader) that refuses
        // strings that are not well-formed UTF-8 or hold unpaired surrogate escapes: this cannot fail.
        var payload = _payload ??= Base64Url.DecodeFromChars(_token.AsSpan()[_payloadChars]);
        var reader = new Utf8JsonReader(payload.AsSpan(claim.Start, claim.End - claim.Start));
        reader.Read();
        value = reader.GetString();
        claim.Value = value;
        return value;
    }

    /// <summary>A string claim located in the payload (an empty range when absent), decoded on first read.</summary>
    private struct LazyString(Range json)
    {
        public readonly int Start = json.Start.Value;
        public readonly int End = json.End.Value;
        public string? Value;

        public readonly bool Present => End > Start;
    }
}
