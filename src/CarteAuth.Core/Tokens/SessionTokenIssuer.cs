using System.Buffers.Text;
using System.Security.Cryptography;
using CarteAuth.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Tokens;

/// <summary>
/// Issues CarteAuth session tokens: JWTs in compact JWS form (RFC 7519, RFC 7515 §7.1) signed by the active key of
/// the current <see cref="SigningKeyRing"/>, carrying the authentication evidence (subject idNat, amr, acr, level of
/// assurance, authenticator, phishing resistance, names, profession) and the subject's revocation epoch (<c>rev</c>).
/// Thread-safe.
/// </summary>
public sealed class SessionTokenIssuer
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly ISigningKeyProvider _keys;
    private readonly SessionTokenOptions _options;
    private readonly IRevocationEpochStore _epochs;
    private readonly TimeProvider _time;
    private readonly int _allowedMask;

    /// <summary>Creates the issuer.</summary>
    /// <param name="keys">Gives the ring whose active key signs.</param>
    /// <param name="options">Issuer, audience, lifetime.</param>
    /// <param name="epochs">Gives the subject's revocation epoch, written into <c>rev</c>.</param>
    /// <param name="timeProvider">The clock for <c>iat</c>, <c>nbf</c> and <c>exp</c>.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.TokenInvalidOptions"/>: invalid options.</exception>
    public SessionTokenIssuer(
        ISigningKeyProvider keys,
        IOptions<SessionTokenOptions> options,
        IRevocationEpochStore epochs,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value ?? throw new ArgumentException("The options have no value.", nameof(options));
        _options.Validate();
        _keys = keys;
        _epochs = epochs;
        _time = timeProvider;
        _allowedMask = _options.AllowedMask();
    }

    /// <summary>Issues a session token for authentication evidence.</summary>
    /// <param name="evidence">What the authenticator proved.</param>
    /// <param name="sessionId">The session to tie the token to (<c>sid</c>); null to start a new session.</param>
    /// <param name="ct">Cancels the epoch lookup.</param>
    /// <returns>The token and its id, session id, expiry and key id.</returns>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: the active key cannot sign (validation-only);
    /// <see cref="ReasonCodes.TokenInvalidOptions"/>: the active key's algorithm is not allowed;
    /// <see cref="ReasonCodes.TokenTooLarge"/>: the token would exceed <see cref="SessionTokenOptions.MaxTokenLength"/>.</exception>
    public async ValueTask<IssuedSessionToken> IssueAsync(AuthenticationEvidence evidence, string? sessionId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        if (sessionId is not null && (sessionId.Length is 0 or > 256 || sessionId.AsSpan().ContainsAnyInRange('\0', '\u001f')))
        {
            throw new ArgumentException("A session id must be 1 to 256 characters without control characters (or null for a new session).", nameof(sessionId));
        }

        var key = _keys.Current.Active;
        if (!key.HasPrivateKey)
        {
            throw new CarteAuthException(
                ReasonCodes.InvalidKey,
                $"The active key '{key.Kid}' has no private part, so it cannot sign. Load the signing key from its private PEM (SessionSigningKey.FromPem) rather than from a public key or JWKS.");
        }

        if ((_allowedMask & key.Algorithm.Bit()) == 0)
        {
            throw new CarteAuthException(
                ReasonCodes.TokenInvalidOptions,
                $"The active key '{key.Kid}' signs {key.Algorithm.ToJwa()}, which SessionTokenOptions.AllowedAlgorithms does not allow; validators would refuse its tokens. Allow {key.Algorithm.ToJwa()} or rotate to a key of an allowed algorithm.");
        }

        var subject = evidence.Identity.NationalId.Value;
        var epoch = await _epochs.GetEpochAsync(subject, ct).ConfigureAwait(false);

        // RFC 7519 §2: NumericDate is whole seconds here; exp = iat + lifetime.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var expires = now.AddSeconds(Math.Max(1, Math.Floor(_options.Lifetime.TotalSeconds)));
        var tokenId = NewId();
        sessionId ??= NewId();

        var identity = evidence.Identity;
        var claims = new Dictionary<string, object>(16, StringComparer.Ordinal)
        {
            [SessionTokenClaimNames.Subject] = subject,
            [SessionTokenClaimNames.TokenId] = tokenId,
            [SessionTokenClaimNames.SessionId] = sessionId,
            [SessionTokenClaimNames.AuthTime] = evidence.AuthenticatedAt.ToUnixTimeSeconds(),
            [SessionTokenClaimNames.Methods] = Amr.ToValues(evidence.Methods),
            [SessionTokenClaimNames.Acr] = evidence.Acr ?? Acr.ToValue(evidence.Assurance),
            [SessionTokenClaimNames.Assurance] = Acr.ToValue(evidence.Assurance),
            [SessionTokenClaimNames.Epoch] = epoch,
            [SessionTokenClaimNames.Authenticator] = evidence.Authenticator,
            [SessionTokenClaimNames.PhishingResistant] = evidence.IsPhishingResistant,
            [SessionTokenClaimNames.Name] = identity.DisplayName,
            [SessionTokenClaimNames.FamilyName] = identity.FamilyName,
        };
        if (identity.GivenName is not null)
        {
            claims[SessionTokenClaimNames.GivenName] = identity.GivenName;
        }

        if (identity.ProfessionCode is not null)
        {
            claims[SessionTokenClaimNames.Profession] = identity.ProfessionCode;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = "JWT",
            Claims = claims,
            SigningCredentials = new SigningCredentials(key.SecurityKey, ToSecurityAlgorithm(key.Algorithm)),
        };

        // RFC 7515 §4.1: the header carries alg, kid (the key's id) and typ "JWT" (RFC 7519 §5.1).
        var token = Handler.CreateToken(descriptor);
        if (token.Length > _options.MaxTokenLength)
        {
            throw new CarteAuthException(
                ReasonCodes.TokenTooLarge,
                $"The session token for {subject} would be {token.Length} characters, above SessionTokenOptions.MaxTokenLength ({_options.MaxTokenLength}); validators would refuse it. Raise MaxTokenLength or shorten the identity's names.");
        }

        return new IssuedSessionToken(token, tokenId, sessionId, expires, key.Kid);
    }

    /// <summary>The Microsoft.IdentityModel name of an algorithm (PS256 is <see cref="SecurityAlgorithms.RsaSsaPssSha256"/>).</summary>
    internal static string ToSecurityAlgorithm(SessionTokenAlgorithm algorithm) => algorithm switch
    {
        SessionTokenAlgorithm.ES256 => SecurityAlgorithms.EcdsaSha256,
        SessionTokenAlgorithm.PS256 => SecurityAlgorithms.RsaSsaPssSha256,
        _ => SecurityAlgorithms.RsaSha256,
    };

    /// <summary>16 random bytes in base64url (22 characters).</summary>
    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
