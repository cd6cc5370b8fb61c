using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>
/// Validates the provider's JWTs (ID tokens, signed userinfo, back-channel logout tokens) with Microsoft.IdentityModel:
/// size limit, algorithm allow-list (never <c>none</c>), key from the cached JWKS (refreshed on an unknown <c>kid</c>,
/// rate limited), signature, issuer, audience, lifetime, then the rules of each token kind. Every failure is a
/// <see cref="PscException"/> with a <c>psc.*</c> code.
/// </summary>
public sealed class PscTokenValidator
{
    private const string NoncePrefix = "psc-nonce:";
    private const string LogoutJtiPrefix = "psc-logout-jti:";
    private readonly ProSanteConnectOptions _options;
    private readonly PscProviderMetadataCache _metadata;
    private readonly IReplayCache _replay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>Creates the validator.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="metadata">The discovery and JWKS cache.</param>
    /// <param name="replayCache">Remembers used nonces and logout token ids (shared by nodes behind a load balancer).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">Logger.</param>
    public PscTokenValidator(ProSanteConnectOptions options, PscProviderMetadataCache metadata, IReplayCache replayCache, TimeProvider? timeProvider = null, ILogger<PscTokenValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(replayCache);
        options.Validate(PscOptionsScope.ClientId);
        _options = options;
        _metadata = metadata;
        _replay = replayCache;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Validates an ID token by OpenID Connect Core 1.0 §3.1.3.7.</summary>
    /// <param name="idToken">The compact JWT.</param>
    /// <param name="expectations">Nonce, max_age and required level.</param>
    /// <param name="ct">Cancels key retrieval.</param>
    /// <exception cref="PscException">A <c>psc.*</c> code for each rule.</exception>
    public async Task<PscIdToken> ValidateIdTokenAsync(string idToken, PscIdTokenExpectations expectations, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(expectations);
        try
        {
            // Steps 1-3, 6-9: decryption is not used; issuer, audience, algorithm, signature, exp.
            var token = await ValidateJwtAsync(idToken, "ID token", requireExpiration: true, ct).ConfigureAwait(false);
            RequireSubject(token, "ID token");

            // Steps 4-5: several audiences need azp; azp, when present, must be this client.
            var hasAzp = token.TryGetPayloadValue<string>("azp", out var azp);
            if (hasAzp && !string.Equals(azp, _options.ClientId, StringComparison.Ordinal))
            {
                throw Fail(ReasonCodes.PscAudienceMismatch, $"The ID token's azp is '{Show(azp)}', not this client '{_options.ClientId}' (OpenID Connect Core 1.0 §3.1.3.7 step 5): it was issued to another client.", token);
            }

            if (token.Audiences.Count() > 1 && !hasAzp)
            {
                throw Fail(ReasonCodes.PscAudienceMismatch, "The ID token has several audiences and no azp (OpenID Connect Core 1.0 §3.1.3.7 step 4): refused.", token);
            }

            // Step 10: iat is required and not in the future.
            CheckIssuedAt(token, "ID token", maxAge: null);

            // Step 11: the nonce sent must come back, once.
            if (expectations.Nonce is not null)
            {
                if (!token.TryGetPayloadValue<string>("nonce", out var nonce) || !CarteAuth.Text.FixedTime.Equals(nonce, expectations.Nonce))
                {
                    throw Fail(ReasonCodes.PscNonceMismatch, "The ID token's nonce is missing or is not the one of this sign-in (OpenID Connect Core 1.0 §3.1.3.7 step 11): the response belongs to another sign-in or is forged. Start the sign-in again.", token);
                }

                if (expectations.ConsumeNonce && !await _replay.TryAddAsync(NoncePrefix + nonce, new DateTimeOffset(token.ValidTo, TimeSpan.Zero) + _options.ClockSkew, ct).ConfigureAwait(false))
                {
                    throw Fail(ReasonCodes.PscNonceReplayed, "The ID token's nonce was already used: the token is replayed. Refused; start a new sign-in.", token);
                }
            }

            // Step 12: acr at or above the required level (PSC: eidas1 = substantial).
            var required = expectations.RequiredAssurance ?? _options.RequiredAssurance;
            token.TryGetPayloadValue<string>("acr", out var acr);
            if (!Acr.TryGetLevel(acr, out var level) || level < required)
            {
                throw Fail(ReasonCodes.PscAcrTooLow, $"The ID token's acr is '{Show(acr ?? "(none)")}', which {(level == AssuranceLevel.None ? "is not a known level" : $"maps to {Acr.ToValue(level)}")}; {Acr.ToValue(required)} is required (OpenID Connect Core 1.0 §3.1.3.7 step 12). Ask for acr_values={_options.AcrValues} and sign in with a CPS card or e-CPS.", token);
            }

            // Step 13: with max_age, auth_time is required and recent enough.
            var maxAge = expectations.MaxAge ?? _options.MaxAge;
            if (maxAge is { } max)
            {
                if (!token.TryGetPayloadValue<long>("auth_time", out var authTime))
                {
                    throw Fail(ReasonCodes.PscAuthTimeTooOld, "max_age was requested but the ID token has no auth_time (OpenID Connect Core 1.0 §3.1.3.7 step 13).", token);
                }

                if (DateTimeOffset.FromUnixTimeSeconds(authTime) + max + _options.ClockSkew < _time.GetUtcNow())
                {
                    throw Fail(ReasonCodes.PscAuthTimeTooOld, $"The professional authenticated at {DateTimeOffset.FromUnixTimeSeconds(authTime):u}, longer ago than max_age {max} (OpenID Connect Core 1.0 §3.1.3.7 step 13): sign in again.", token);
                }
            }

            return new PscIdToken(token, level);
        }
        catch (Exception e) when (IsClaimReadError(e))
        {
            var error = new PscException(ReasonCodes.PscMalformedToken, $"The ID token has a claim of an unexpected type: {e.Message}", e);
            PscLog.TokenRefused(_logger, error.ReasonCode, error.Message);
            throw error;
        }
        catch (PscException e)
        {
            PscLog.TokenRefused(_logger, e.ReasonCode, e.Message);
            throw;
        }
    }

    /// <summary>
    /// Validates a userinfo response served as a signed JWT (OpenID Connect Core 1.0 §5.3.2): signature, <c>iss</c> and
    /// <c>aud</c> (this client); <c>exp</c> when present.
    /// </summary>
    /// <returns>The verified JWT (its payload holds the claims).</returns>
    /// <exception cref="PscException">A <c>psc.*</c> code.</exception>
    public Task<JsonWebToken> ValidateUserInfoJwtAsync(string jwt, CancellationToken ct = default) =>
        ValidateJwtAsync(jwt, "signed userinfo", requireExpiration: false, ct);

    /// <summary>Validates a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.6) and records its <c>jti</c>.</summary>
    /// <param name="logoutToken">The compact JWT from the <c>logout_token</c> form parameter.</param>
    /// <param name="ct">Cancels key retrieval.</param>
    /// <returns>The verified token.</returns>
    /// <exception cref="PscException"><c>psc.logout-token-invalid</c> for the logout rules; the generic token codes otherwise.</exception>
    public async Task<JsonWebToken> ValidateLogoutTokenAsync(string logoutToken, CancellationToken ct = default)
    {
        try
        {
            // §2.6 steps 2-3: signature, alg, iss, aud, iat (and exp when present) as for an ID token.
            var token = await ValidateJwtAsync(logoutToken, "logout token", requireExpiration: false, ct).ConfigureAwait(false);
            CheckIssuedAt(token, "logout token", _options.BackchannelLogout.MaxTokenAge);

            // §2.6 step 4: sub and/or sid.
            var hasSub = token.TryGetPayloadValue<string>("sub", out var sub) && !string.IsNullOrEmpty(sub);
            var hasSid = token.TryGetPayloadValue<string>("sid", out var sid) && !string.IsNullOrEmpty(sid);
            if (!hasSub && !hasSid)
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, "The logout token has neither sub nor sid (OpenID Connect Back-Channel Logout 1.0 §2.6 step 4).", token);
            }

            if (_options.BackchannelLogout.RequireSessionId && !hasSid)
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, "The logout token has no sid, which BackchannelLogout.RequireSessionId requires.", token);
            }

            // §2.6 step 5: events holds the back-channel logout member, whose value is a JSON object.
            if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object
                || !events.TryGetProperty(ProSanteConnectDefaults.BackchannelLogoutEvent, out var evt) || evt.ValueKind != JsonValueKind.Object)
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, $"The logout token's events claim does not hold the member {ProSanteConnectDefaults.BackchannelLogoutEvent} with an object value (OpenID Connect Back-Channel Logout 1.0 §2.6 step 5): it is not a logout token.", token);
            }

            // §2.6 step 6: no nonce (it would make an ID token usable as a logout token and vice versa).
            if (token.TryGetPayloadValue<object>("nonce", out _))
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, "The logout token holds a nonce, which is forbidden (OpenID Connect Back-Channel Logout 1.0 §2.6 step 6): an ID token was sent as a logout token.", token);
            }

            // §2.6 step 7 (optional): the jti is single use.
            if (!token.TryGetPayloadValue<string>("jti", out var jti) || string.IsNullOrEmpty(jti))
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, "The logout token has no jti (OpenID Connect Back-Channel Logout 1.0 §2.4).", token);
            }

            var keepUntil = new DateTimeOffset(token.IssuedAt, TimeSpan.Zero) + _options.BackchannelLogout.MaxTokenAge + _options.ClockSkew;
            if (!await _replay.TryAddAsync(LogoutJtiPrefix + jti, keepUntil, ct).ConfigureAwait(false))
            {
                throw Fail(ReasonCodes.PscLogoutTokenInvalid, "The logout token's jti was already used: the token is replayed (OpenID Connect Back-Channel Logout 1.0 §2.6 step 7).", token);
            }

            return token;
        }
        catch (PscException e)
        {
            PscLog.TokenRefused(_logger, e.ReasonCode, e.Message);
            throw;
        }
    }

    private async Task<JsonWebToken> ValidateJwtAsync(string? jwt, string kind, bool requireExpiration, CancellationToken ct)
    {
        try
        {
            return await ValidateJwtCoreAsync(jwt, kind, requireExpiration, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsClaimReadError(e))
        {
            // A claim of an unexpected JSON type (exp as a string, aud as an object…) surfaces as one of these.
            throw new PscException(ReasonCodes.PscMalformedToken, $"The {kind} has a claim of an unexpected type: {e.Message}", e);
        }
    }

    internal static bool IsClaimReadError(Exception e) =>
        e is ArgumentException or FormatException or JsonException or InvalidCastException or InvalidOperationException or OverflowException
            or SecurityTokenException && e is not PscException;

    private async Task<JsonWebToken> ValidateJwtCoreAsync(string? jwt, string kind, bool requireExpiration, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(jwt))
        {
            throw new PscException(ReasonCodes.PscMalformedToken, $"The {kind} is empty.");
        }

        if (jwt.Length > _options.MaxTokenSize)
        {
            throw new PscException(ReasonCodes.PscTokenTooLarge, $"The {kind} is {jwt.Length} characters, more than MaxTokenSize {_options.MaxTokenSize}: refused before parsing. Raise ProSanteConnectOptions.MaxTokenSize only if the provider really sends such tokens.");
        }

        JsonWebToken token;
        try
        {
            token = new JsonWebToken(jwt);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            throw new PscException(ReasonCodes.PscMalformedToken, $"The {kind} is not a well-formed JWT (JWS compact serialization, RFC 7515 §7.1).", e);
        }

        if (token.IsEncrypted)
        {
            throw Fail(ReasonCodes.PscMalformedToken, $"The {kind} is encrypted (JWE); CarteAuth does not register for encrypted tokens: configure the client at the provider without ID token/userinfo encryption.", token);
        }

        // OpenID Connect Core 1.0 §3.1.3.7 steps 6-8 and RFC 8725 §3.1: only the allow-listed algorithms, never none.
        var alg = token.Alg;
        if (string.IsNullOrEmpty(alg) || string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase) || !_options.AllowedAlgorithms.Contains(alg, StringComparer.Ordinal))
        {
            throw Fail(ReasonCodes.PscAlgNotAllowed, $"The {kind} is signed with alg '{Show(string.IsNullOrEmpty(alg) ? "(none)" : alg)}', which is not allowed ({string.Join(", ", _options.AllowedAlgorithms)}). Unsigned and HMAC tokens are refused unless configured in ProSanteConnectOptions.AllowedAlgorithms.", token);
        }

        var key = ProSanteConnectOptions.IsHmac(alg)
            ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.ClientSecret!))
            : await ResolveKeyAsync(token, kind, ct).ConfigureAwait(false);

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidateIssuer = true,
            ValidAudience = _options.ClientId,
            ValidateAudience = true,
            // Lifetime is checked below against the injected clock (TimeProvider), not the machine's.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ClockSkew = _options.ClockSkew,
            // One key, chosen above by kid (or the single candidate when the token has none).
            IssuerSigningKey = key,
            TryAllIssuerSigningKeys = true,
            ValidateIssuerSigningKey = false,
            RequireSignedTokens = true,
            ValidAlgorithms = [.. _options.AllowedAlgorithms],
            ValidateTokenReplay = false,
        };

        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            throw Map(result.Exception, token, kind);
        }

        CheckLifetime(token, kind, requireExpiration);
        return token;
    }

    private async Task<SecurityKey> ResolveKeyAsync(JsonWebToken token, string kind, CancellationToken ct)
    {
        var keys = await _metadata.GetSigningKeysAsync(ct).ConfigureAwait(false);
        var kid = token.Kid;
        if (string.IsNullOrEmpty(kid))
        {
            // OpenID Connect Core 1.0 §10.1: kid may be omitted only when a single key could have signed.
            var candidates = keys.GetSigningKeys().Where(k => KeyFits(k, token.Alg)).ToArray();
            return candidates.Length == 1
                ? candidates[0]
                : throw Fail(ReasonCodes.PscUnknownKid, $"The {kind} has no kid and the provider publishes {candidates.Length} keys for {token.Alg}: the key cannot be chosen (OpenID Connect Core 1.0 §10.1).", token);
        }

        var found = Find(keys, kid, token.Alg);
        if (found is null)
        {
            var refreshed = await _metadata.RefreshForUnknownKeyAsync(kid, ct).ConfigureAwait(false);
            found = refreshed is null ? null : Find(refreshed, kid, token.Alg);
        }

        return found ?? throw Fail(ReasonCodes.PscUnknownKid, $"The {kind} is signed with key id '{Show(kid)}', which the provider's JWKS does not hold (even after a refresh, at most one per {_options.JwksRefreshMinimumInterval}). The token is forged or from another provider.", token);
    }

    private static SecurityKey? Find(JsonWebKeySet keys, string kid, string alg) =>
        keys.GetSigningKeys().FirstOrDefault(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal) && KeyFits(k, alg));

    private static bool KeyFits(SecurityKey key, string alg) => alg[0] switch
    {
        'R' or 'P' => key is RsaSecurityKey || key is X509SecurityKey { PublicKey: RSA } || key is JsonWebKey { Kty: "RSA" },
        'E' => key is ECDsaSecurityKey || key is X509SecurityKey { PublicKey: ECDsa } || key is JsonWebKey { Kty: "EC" },
        _ => false,
    };

    private PscException Map(Exception? e, JsonWebToken token, string kind) => e switch
    {
        SecurityTokenInvalidIssuerException => Fail(ReasonCodes.PscIssuerMismatch, $"The {kind}'s iss is '{Show(token.Issuer)}', not the configured issuer '{_options.Issuer}' (OpenID Connect Core 1.0 §3.1.3.7 step 2): it comes from another provider.", token),
        SecurityTokenInvalidAudienceException => Fail(ReasonCodes.PscAudienceMismatch, $"The {kind}'s aud ({Show(string.Join(", ", token.Audiences))}) does not contain this client '{_options.ClientId}' (OpenID Connect Core 1.0 §3.1.3.7 step 3): it was issued to another client.", token),
        SecurityTokenExpiredException => Fail(ReasonCodes.PscTokenExpired, $"The {kind} expired at {token.ValidTo:u} (clock skew {_options.ClockSkew}). Sign in again; if this happens often, check this host's clock (NTP).", token),
        SecurityTokenNotYetValidException => Fail(ReasonCodes.PscTokenNotYetValid, $"The {kind} is not valid before {token.ValidFrom:u}: check this host's clock (NTP).", token),
        SecurityTokenNoExpirationException => Fail(ReasonCodes.PscMalformedToken, $"The {kind} has no exp claim, which is required (OpenID Connect Core 1.0 §2).", token),
        SecurityTokenInvalidLifetimeException => Fail(ReasonCodes.PscTokenExpired, $"The {kind}'s validity period is inconsistent (nbf after exp).", token),
        SecurityTokenInvalidAlgorithmException => Fail(ReasonCodes.PscAlgNotAllowed, $"The {kind}'s algorithm '{Show(token.Alg)}' is not allowed.", token),
        SecurityTokenSignatureKeyNotFoundException => Fail(ReasonCodes.PscUnknownKid, $"No provider key verifies the {kind} (kid '{Show(token.Kid)}').", token),
        SecurityTokenInvalidSignatureException or SecurityTokenValidationException { InnerException: CryptographicException } => Fail(ReasonCodes.PscBadSignature, $"The {kind}'s signature does not verify with the provider's key '{Show(token.Kid)}': the token was altered or forged. Refused.", token),
        SecurityTokenMalformedException or ArgumentException => Fail(ReasonCodes.PscMalformedToken, $"The {kind} is malformed: {e.Message}", token),
        _ => Fail(ReasonCodes.PscMalformedToken, $"The {kind} does not validate ({e?.GetType().Name}): {e?.Message}", token),
    };

    // OpenID Connect Core 1.0 §3.1.3.7 step 9: the current time must be before exp (with the clock skew); nbf when present.
    private void CheckLifetime(JsonWebToken token, string kind, bool requireExpiration)
    {
        var now = _time.GetUtcNow();
        if (token.TryGetPayloadValue<long>("exp", out var exp))
        {
            if (DateTimeOffset.FromUnixTimeSeconds(exp) + _options.ClockSkew <= now)
            {
                throw Fail(ReasonCodes.PscTokenExpired, $"The {kind} expired at {DateTimeOffset.FromUnixTimeSeconds(exp):u} (clock skew {_options.ClockSkew}). Sign in again; if this happens often, check this host's clock (NTP).", token);
            }
        }
        else if (requireExpiration || token.TryGetPayloadValue<object>("exp", out _))
        {
            throw Fail(ReasonCodes.PscMalformedToken, $"The {kind} has no numeric exp claim, which is required (OpenID Connect Core 1.0 §2).", token);
        }

        if (token.TryGetPayloadValue<long>("nbf", out var nbf) && DateTimeOffset.FromUnixTimeSeconds(nbf) > now + _options.ClockSkew)
        {
            throw Fail(ReasonCodes.PscTokenNotYetValid, $"The {kind} is not valid before {DateTimeOffset.FromUnixTimeSeconds(nbf):u}: check this host's clock (NTP).", token);
        }
    }

    private void CheckIssuedAt(JsonWebToken token, string kind, TimeSpan? maxAge)
    {
        if (!token.TryGetPayloadValue<long>("iat", out var iat))
        {
            throw Fail(kind == "logout token" ? ReasonCodes.PscLogoutTokenInvalid : ReasonCodes.PscMalformedToken, $"The {kind} has no numeric iat claim, which is required.", token);
        }

        var issued = DateTimeOffset.FromUnixTimeSeconds(iat);
        var now = _time.GetUtcNow();
        if (issued > now + _options.ClockSkew)
        {
            throw Fail(ReasonCodes.PscTokenNotYetValid, $"The {kind} was issued at {issued:u}, in the future (clock skew {_options.ClockSkew}): check this host's clock (NTP).", token);
        }

        if (maxAge is { } max && issued + max + _options.ClockSkew < now)
        {
            throw Fail(ReasonCodes.PscTokenExpired, $"The {kind} was issued at {issued:u}, longer ago than {max}: refused as stale.", token);
        }
    }

    private static void RequireSubject(JsonWebToken token, string kind)
    {
        if (string.IsNullOrEmpty(token.Subject))
        {
            throw Fail(ReasonCodes.PscMalformedToken, $"The {kind} has no sub claim, which is required (OpenID Connect Core 1.0 §2).", token);
        }
    }

    private static PscException Fail(string code, string message, JsonWebToken? token) =>
        new(code, message) { AttemptedSubject = SafeSubject(token) };

    private static string? SafeSubject(JsonWebToken? token)
    {
        try
        {
            return token?.Subject is { Length: > 0 and <= 128 } s ? s : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }


    /// <summary>A value from a token or response, safe to put in a message: control characters replaced, truncated.</summary>
    internal static string Show(string? value)
    {
        var s = PscHttp.Truncate(value ?? string.Empty, 120);
        return s.Any(char.IsControl) ? new string([.. s.Select(static c => char.IsControl(c) ? '?' : c)]) : s;
    }
}
