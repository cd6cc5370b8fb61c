using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CarteAuth.Tokens;

/// <summary>
/// Validates CarteAuth session tokens. A span-based JWS/JWT validator written for the hot path of every protected
/// request: it checks the size, the compact form, the header (alg, kid, crit), the signature with the key named by
/// kid, then the claims (exp, nbf, iat with clock skew, iss, aud, sub, jti, rev), the subject's revocation epoch and,
/// for one-time tokens, the replay cache. Every bad token gives a <see cref="SessionTokenValidationResult"/> with a
/// stable <c>token.*</c> reason code and a message; no token string makes it throw. Thread-safe.
/// </summary>
public sealed class SessionTokenValidator
{
    /// <summary>Longest header, in base64url characters (CarteAuth headers are about 100).</summary>
    internal const int MaxHeaderChars = 1024;

    private const int MaxHeaderBytes = MaxHeaderChars / 4 * 3;

    // RFC 4648 §5 base64url alphabet, plus '.' that separates the parts of the compact serialization.
    private static readonly SearchValues<char> CompactChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    private readonly ISigningKeyProvider _keys;
    private readonly IRevocationEpochStore _epochs;
    private readonly IReplayCache? _replay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _issuer;
    private readonly byte[] _issuerUtf8;
    private readonly string _audience;
    private readonly byte[] _audienceUtf8;
    private readonly long _skewMs;
    private readonly TimeSpan _skew;
    private readonly int _allowedMask;
    private readonly string _allowedNames;
    private readonly int _maxLength;
    private readonly VerifiedTokenCache? _verified;
    private HeaderMemo? _lastHeader;

    /// <summary>Creates the validator.</summary>
    /// <param name="keys">Gives the ring whose keys validate (read on every call, so rotation needs no restart).</param>
    /// <param name="options">Expected issuer and audience, clock skew, allowed algorithms, maximum size.</param>
    /// <param name="epochs">Gives subjects' revocation epochs.</param>
    /// <param name="timeProvider">The clock for exp, nbf and iat.</param>
    /// <param name="replayCache">Records one-time tokens; required only to call <see cref="ValidateAsync"/> with <c>oneTimeUse</c>.</param>
    /// <param name="logger">Logs refusals (event 1200, information) and acceptances (1201, debug).</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.TokenInvalidOptions"/>: invalid options.</exception>
    public SessionTokenValidator(
        ISigningKeyProvider keys,
        IOptions<SessionTokenOptions> options,
        IRevocationEpochStore epochs,
        TimeProvider timeProvider,
        IReplayCache? replayCache = null,
        ILogger<SessionTokenValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var o = options.Value ?? throw new ArgumentException("The options have no value.", nameof(options));
        o.Validate();
        _keys = keys;
        _epochs = epochs;
        _replay = replayCache;
        _time = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _issuer = o.Issuer;
        _issuerUtf8 = Encoding.UTF8.GetBytes(o.Issuer);
        _audience = o.Audience;
        _audienceUtf8 = Encoding.UTF8.GetBytes(o.Audience);
        _skew = o.ClockSkew;
        _skewMs = (long)o.ClockSkew.TotalMilliseconds;
        _allowedMask = o.AllowedMask();
        _maxLength = o.MaxTokenLength;
        _verified = o.VerifiedTokenCacheSize > 0 ? new VerifiedTokenCache(o.VerifiedTokenCacheSize) : null;
        var names = new List<string>(3);
        foreach (var algorithm in SessionTokenAlgorithms.All)
        {
            if ((_allowedMask & algorithm.Bit()) != 0)
            {
                names.Add(algorithm.ToJwa());
            }
        }

        _allowedNames = string.Join(", ", names);
    }

    /// <summary>How many verified tokens the cache holds now (tests).</summary>
    internal int VerifiedTokenCount => _verified?.Count ?? 0;

    /// <summary>Validates a session token.</summary>
    /// <param name="token">The compact JWS as received (no <c>Bearer </c> prefix). Null or anything else gives a failed result.</param>
    /// <param name="oneTimeUse">True for one-time tokens (gateway assertions): the token's <c>jti</c> is recorded in the
    /// replay cache and a second presentation is refused with <see cref="ReasonCodes.TokenReplayed"/>.</param>
    /// <param name="ct">Cancels the revocation and replay look-ups.</param>
    /// <returns>Valid with the claims, or refused with a <c>token.*</c> reason code and a message.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="oneTimeUse"/> is true but no <see cref="IReplayCache"/> was given.</exception>
    public ValueTask<SessionTokenValidationResult> ValidateAsync(string? token, bool oneTimeUse = false, CancellationToken ct = default)
    {
        if (oneTimeUse && _replay is null)
        {
            throw new InvalidOperationException(
                "oneTimeUse needs a replay cache: pass an IReplayCache (e.g. InMemoryReplayCache, or a shared one for several nodes) to the SessionTokenValidator constructor.");
        }

        var failure = ReadAndVerify(token, out var read);
        if (failure is not null)
        {
            return new(Refuse(failure));
        }

        var claims = read!;
        ValueTask<long> epoch;
        try
        {
            epoch = _epochs.GetEpochAsync(claims.Subject, ct);
        }
        catch (CarteAuthException ex)
        {
            return new(Refuse(SessionTokenValidationResult.Failure(ex.ReasonCode, ex.Message)));
        }

        if (!epoch.IsCompletedSuccessfully)
        {
            return CompleteAsync(epoch, claims, oneTimeUse, ct);
        }

        if (CheckEpoch(claims, epoch.Result) is { } revoked)
        {
            return new(Refuse(revoked));
        }

        return oneTimeUse ? CheckReplay(claims, ct) : new(Accept(claims));
    }

    private async ValueTask<SessionTokenValidationResult> CompleteAsync(ValueTask<long> epochTask, SessionTokenClaims claims, bool oneTimeUse, CancellationToken ct)
    {
        long epoch;
        try
        {
            epoch = await epochTask.ConfigureAwait(false);
        }
        catch (CarteAuthException ex)
        {
            return Refuse(SessionTokenValidationResult.Failure(ex.ReasonCode, ex.Message));
        }

        if (CheckEpoch(claims, epoch) is { } revoked)
        {
            return Refuse(revoked);
        }

        return oneTimeUse ? await CheckReplay(claims, ct).ConfigureAwait(false) : Accept(claims);
    }

    private ValueTask<SessionTokenValidationResult> CheckReplay(SessionTokenClaims claims, CancellationToken ct)
    {
        // Remember the id as long as the token could still be accepted: its expiry plus the clock skew.
        ValueTask<bool> added;
        try
        {
            added = _replay!.TryAddAsync(claims.TokenId, claims.ExpiresAt + _skew, ct);
        }
        catch (CarteAuthException ex)
        {
            return new(Refuse(SessionTokenValidationResult.Failure(ex.ReasonCode, ex.Message)));
        }

        return added.IsCompletedSuccessfully ? new(ReplayOutcome(claims, added.Result)) : AwaitReplayAsync(added, claims);
    }

    private async ValueTask<SessionTokenValidationResult> AwaitReplayAsync(ValueTask<bool> added, SessionTokenClaims claims)
    {
        try
        {
            return ReplayOutcome(claims, await added.ConfigureAwait(false));
        }
        catch (CarteAuthException ex)
        {
            return Refuse(SessionTokenValidationResult.Failure(ex.ReasonCode, ex.Message));
        }
    }

    private SessionTokenValidationResult ReplayOutcome(SessionTokenClaims claims, bool firstUse) => firstUse
        ? Accept(claims)
        : Refuse(SessionTokenValidationResult.Failure(
            ReasonCodes.TokenReplayed,
            $"The one-time token '{claims.TokenId}' was already used; each one is accepted once. Request a new one."));

    private static SessionTokenValidationResult? CheckEpoch(SessionTokenClaims claims, long currentEpoch) =>
        claims.Epoch < currentEpoch
            ? SessionTokenValidationResult.Failure(
                ReasonCodes.TokenRevoked,
                $"The token '{claims.TokenId}' was revoked: its subject signed out everywhere after it was issued (token epoch {claims.Epoch}, current epoch {currentEpoch}). Sign in again.")
            : null;

    private SessionTokenValidationResult Accept(SessionTokenClaims claims)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            CoreLog.LogAccepted(_logger, claims.TokenId, claims.KeyId);
        }

        return SessionTokenValidationResult.Success(claims);
    }

    private SessionTokenValidationResult Refuse(SessionTokenValidationResult failure)
    {
        CoreLog.LogRefused(_logger, failure.ReasonCode!, failure.Message);
        return failure;
    }

    private static SessionTokenValidationResult Fail(string reasonCode, string message) =>
        SessionTokenValidationResult.Failure(reasonCode, message);

    /// <summary>Everything up to and including the claim checks, synchronously, on spans.</summary>
    private SessionTokenValidationResult? ReadAndVerify(string? token, out SessionTokenClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token))
        {
            return Fail(ReasonCodes.TokenMalformed, "No token was given. Send the session token as issued: three base64url parts separated by dots (RFC 7515 §7.1).");
        }

        if (token.Length > _maxLength)
        {
            return Fail(ReasonCodes.TokenTooLarge, $"The token is {token.Length} characters long; this service reads at most {_maxLength} (SessionTokenOptions.MaxTokenLength). CarteAuth session tokens are about 1,000 characters: this is not one of them.");
        }

        // A token already verified in the current ring: only what depends on the clock is checked again here (the
        // epoch and replay checks follow in ValidateAsync for every token).
        if (_verified is { } cache && cache.TryGet(token, _keys.Current, out var known))
        {
            if (CheckTimes(known!.ExpiresAt.ToUnixTimeMilliseconds(), known.NotBefore?.ToUnixTimeMilliseconds(), known.IssuedAt.ToUnixTimeMilliseconds()) is { } stale)
            {
                cache.Remove(token);
                return stale;
            }

            claims = known;
            return null;
        }

        var span = token.AsSpan();

        // RFC 7515 §7.1: compact serialization = BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature),
        // base64url without padding (RFC 7515 §2): no '=', no whitespace, no other character.
        var bad = span.IndexOfAnyExcept(CompactChars);
        if (bad >= 0)
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token has {DescribeChar(span[bad])} at position {bad}; a compact JWS holds only base64url characters (A-Z, a-z, 0-9, '-', '_') and two dots (RFC 7515 §7.1). Was it quoted, URL-encoded or sent with its 'Bearer ' prefix?");
        }

        var dot1 = span.IndexOf('.');
        var dot2 = dot1 < 0 ? -1 : span[(dot1 + 1)..].IndexOf('.');
        if (dot2 >= 0)
        {
            dot2 += dot1 + 1;
        }

        if (dot1 < 0 || dot2 < 0 || span[(dot2 + 1)..].Contains('.'))
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token has {span.Count('.') + 1} part(s); a compact JWS has exactly three, header.payload.signature (RFC 7515 §7.1). (An encrypted JWE has five; CarteAuth session tokens are signed, not encrypted.)");
        }

        var headerChars = span[..dot1];
        var payloadChars = span[(dot1 + 1)..dot2];
        var signatureChars = span[(dot2 + 1)..];
        if (headerChars.Length > MaxHeaderChars)
        {
            return Fail(ReasonCodes.TokenTooLarge, $"The token header is {headerChars.Length} characters long; the limit is {MaxHeaderChars} (a CarteAuth header is about 100). Headers this large are refused unread.");
        }

        if (headerChars.IsEmpty || !StrictBase64Url.IsCanonical(headerChars))
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token header (part 1, {headerChars.Length} characters) is not valid unpadded base64url (RFC 7515 §2, RFC 4648 §5).");
        }

        if (payloadChars.IsEmpty || !StrictBase64Url.IsCanonical(payloadChars))
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token payload (part 2, {payloadChars.Length} characters) is not valid unpadded base64url (RFC 7515 §2, RFC 4648 §5).");
        }

        // ---- header (RFC 7515 §4) and key ----
        // Every token signed by a key has the same header, so the last accepted header is remembered with the ring it
        // was resolved in: an identical header in the same ring resolves to the same key with no parsing.
        var ring = _keys.Current;
        SessionSigningKey? key;
        var memo = _lastHeader;
        if (memo is not null && ReferenceEquals(memo.Ring, ring) && headerChars.SequenceEqual(memo.Header))
        {
            key = memo.Key;
        }
        else
        {
            var headerFailure = ResolveKey(headerChars, ring, out key);
            if (headerFailure is not null)
            {
                return headerFailure;
            }

            _lastHeader = new HeaderMemo(ring, headerChars.ToString(), key!);
        }

        var algorithm = key!.Algorithm;

        // ---- signature (RFC 7515 §5.2 steps 5-8) ----
        var expectedSignatureChars = Base64Url.GetEncodedLength(key.SignatureLength);
        if (signatureChars.Length != expectedSignatureChars)
        {
            return Fail(ReasonCodes.TokenBadSignature, signatureChars.IsEmpty
                ? $"The token has no signature (part 3 is empty); {algorithm.ToJwa()} tokens are signed (RFC 7515 §5.2)."
                : $"The token signature is {signatureChars.Length} characters; a {algorithm.ToJwa()} signature of key '{key.Kid}' is {expectedSignatureChars} ({key.SignatureLength} bytes). The token was truncated or altered.");
        }

        if (!StrictBase64Url.IsCanonical(signatureChars))
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token signature (part 3, {signatureChars.Length} characters) is not valid unpadded base64url (RFC 7515 §2, RFC 4648 §5).");
        }

        var payloadMax = Base64Url.GetMaxDecodedLength(payloadChars.Length);
        var rented = ArrayPool<byte>.Shared.Rent(dot2 + payloadMax + key.SignatureLength);
        try
        {
            var buffer = rented.AsSpan();

            // RFC 7515 §5.2 step 8: the signing input is ASCII(BASE64URL(header) '.' BASE64URL(payload)), the token's own bytes.
            var signingInput = buffer[..dot2];
            Ascii.FromUtf16(span[..dot2], signingInput, out _);
            var signature = buffer.Slice(dot2 + payloadMax, key.SignatureLength);
            if (Base64Url.DecodeFromChars(signatureChars, signature, out _, out var signatureLength) != OperationStatus.Done ||
                signatureLength != key.SignatureLength)
            {
                return Fail(ReasonCodes.TokenMalformed, "The token signature (part 3) is not valid base64url (RFC 7515 §2).");
            }

            if (!key.Verify(signingInput, signature))
            {
                return Fail(ReasonCodes.TokenBadSignature, $"The token signature does not verify with key '{key.Kid}' ({algorithm.ToJwa()}): the header or payload was altered after signing, or another key was used. Do not modify tokens; sign in again.");
            }

            // ---- payload (RFC 7519 §7.2 steps 9-10): decoded only once the signature holds ----
            var payload = buffer.Slice(dot2, payloadMax);
            if (Base64Url.DecodeFromUtf8(signingInput[(dot1 + 1)..], payload, out _, out var payloadLength) != OperationStatus.Done)
            {
                return Fail(ReasonCodes.TokenMalformed, "The token payload (part 2) is not valid base64url (RFC 7515 §2).");
            }

            var claimsFailure = ReadClaims(payload[..payloadLength], key, token, new Range(dot1 + 1, dot2), out claims);
            if (claimsFailure is null)
            {
                _verified?.Add(token, ring, claims!);
            }

            return claimsFailure;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decodes and reads the header, then finds the key it names and checks the key's algorithm.</summary>
    private SessionTokenValidationResult? ResolveKey(ReadOnlySpan<char> headerChars, SigningKeyRing ring, out SessionSigningKey? key)
    {
        key = null;
        Span<byte> header = stackalloc byte[MaxHeaderBytes];
        if (Base64Url.DecodeFromChars(headerChars, header, out _, out var headerLength) != OperationStatus.Done)
        {
            return Fail(ReasonCodes.TokenMalformed, "The token header (part 1) is not valid base64url (RFC 7515 §2).");
        }

        Span<char> kidBuffer = stackalloc char[SessionSigningKey.MaxKidLength];
        var headerFailure = ReadHeader(header[..headerLength], kidBuffer, out var algorithm, out var kidLength);
        if (headerFailure is not null)
        {
            return headerFailure;
        }

        var kid = kidBuffer[..kidLength];
        if (!ring.TryGetKey(kid, out key))
        {
            return Fail(ReasonCodes.TokenUnknownKey, $"No key has kid '{NationalId.Printable(kid.ToString())}' (known: {KnownKids(ring)}). The token was signed by a retired key or by another issuer: sign in again, or check that this service has the issuer's current JWKS.");
        }

        // RFC 7515 §5.2 step 8 / RFC 7518 §3.1: the key decides the algorithm; a header naming another one is refused
        // (algorithm confusion).
        if (key.Algorithm != algorithm)
        {
            return Fail(ReasonCodes.TokenAlgorithmNotAllowed, $"The token header says alg {algorithm.ToJwa()} but key '{key.Kid}' is a {key.Algorithm.ToJwa()} key; a key signs with one algorithm only (RFC 7518 §3.1). The token was altered or mislabelled.");
        }

        return null;
    }

    /// <summary>Reads the JOSE header: alg (allowed, never <c>none</c>), kid (required), typ (JWT if present), no crit.</summary>
    private SessionTokenValidationResult? ReadHeader(ReadOnlySpan<byte> json, Span<char> kid, out SessionTokenAlgorithm algorithm, out int kidLength)
    {
        algorithm = default;
        kidLength = -1;
        var hasAlg = false;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(ReasonCodes.TokenMalformed, "The token header is not a JSON object (RFC 7515 §4).");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    reader.Read();
                    if (hasAlg)
                    {
                        return Duplicate("header parameter", "alg");
                    }

                    hasAlg = true;
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Fail(ReasonCodes.TokenMalformed, $"The token header's alg is a JSON {reader.TokenType}; it must be a string such as \"ES256\" (RFC 7515 §4.1.1).");
                    }

                    // RFC 7515 §4.1.1 / RFC 7518 §3.1: alg names are case-sensitive.
                    if (reader.ValueTextEquals("ES256"u8))
                    {
                        algorithm = SessionTokenAlgorithm.ES256;
                    }
                    else if (reader.ValueTextEquals("PS256"u8))
                    {
                        algorithm = SessionTokenAlgorithm.PS256;
                    }
                    else if (reader.ValueTextEquals("RS256"u8))
                    {
                        algorithm = SessionTokenAlgorithm.RS256;
                    }
                    else if (reader.ValueTextEquals("none"u8))
                    {
                        // RFC 7518 §3.6 / RFC 7519 §6: unsecured JWTs carry no integrity protection; never accepted.
                        return Fail(ReasonCodes.TokenAlgorithmNotAllowed, $"The token is unsecured (alg \"none\", RFC 7519 §6): it has no signature and is never accepted. This service accepts {_allowedNames}.");
                    }
                    else
                    {
                        return Fail(ReasonCodes.TokenAlgorithmNotAllowed, $"The token's alg '{NationalId.Printable(reader.GetString()!)}' is not allowed; this service accepts {_allowedNames} (SessionTokenOptions.AllowedAlgorithms). Symmetric (HS*) algorithms are never accepted.");
                    }

                    if ((_allowedMask & algorithm.Bit()) == 0)
                    {
                        return Fail(ReasonCodes.TokenAlgorithmNotAllowed, $"The token's alg {algorithm.ToJwa()} is not allowed; this service accepts {_allowedNames} (SessionTokenOptions.AllowedAlgorithms).");
                    }
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    reader.Read();
                    if (kidLength >= 0)
                    {
                        return Duplicate("header parameter", "kid");
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Fail(ReasonCodes.TokenMalformed, $"The token header's kid is a JSON {reader.TokenType}; it must be a string (RFC 7515 §4.1.4).");
                    }

                    // The unescaped UTF-16 length is at most the raw UTF-8 length; a longer kid names no key.
                    if (reader.ValueSpan.Length > kid.Length)
                    {
                        var value = reader.GetString()!;
                        if (value.Length > kid.Length)
                        {
                            return Fail(ReasonCodes.TokenUnknownKey, $"The token's kid is {value.Length} characters long; key ids are at most {kid.Length}. No key has it.");
                        }

                        value.CopyTo(kid);
                        kidLength = value.Length;
                    }
                    else
                    {
                        kidLength = reader.CopyString(kid);
                    }
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    // RFC 7515 §4.1.11: a recipient that does not understand a listed extension MUST reject the JWS.
                    // CarteAuth defines no extensions, so any crit is refused.
                    return Fail(ReasonCodes.TokenMalformed, "The token header has a crit parameter (RFC 7515 §4.1.11) listing extensions this service does not understand, so it must be refused. CarteAuth session tokens use no critical extensions.");
                }
                else if (reader.ValueTextEquals("typ"u8))
                {
                    reader.Read();
                    // RFC 7519 §5.1: typ, when present, is "JWT" (compared case-insensitively, RFC 7515 §4.1.9).
                    if (reader.TokenType != JsonTokenType.String ||
                        (!reader.ValueTextEquals("JWT"u8) && !string.Equals(reader.GetString(), "JWT", StringComparison.OrdinalIgnoreCase)))
                    {
                        var typ = reader.TokenType == JsonTokenType.String ? reader.GetString()! : reader.TokenType.ToString();
                        return Fail(ReasonCodes.TokenMalformed, $"The token's typ is '{NationalId.Printable(typ)}'; CarteAuth session tokens have typ \"JWT\" (RFC 7519 §5.1). Another kind of token was sent.");
                    }
                }
                else
                {
                    // Other parameters (jku, x5u, jwk, x5c, cty…) are ignored: keys come only from the configured ring.
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return Fail(ReasonCodes.TokenMalformed, "The token header is not a single JSON object (RFC 7515 §4).");
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token header is not valid JSON (RFC 7515 §4): {ex.Message}");
        }

        if (!hasAlg)
        {
            return Fail(ReasonCodes.TokenMalformed, $"The token header has no alg (RFC 7515 §4.1.1 requires it). This service accepts {_allowedNames}.");
        }

        if (kidLength <= 0)
        {
            return Fail(ReasonCodes.TokenUnknownKey, "The token header has no kid (or an empty one); CarteAuth tokens name the key that signed them (RFC 7515 §4.1.4). It was not issued by CarteAuth.");
        }

        return null;
    }

    /// <summary>
    /// Reads and checks the claims (RFC 7519 §4.1, §7.2 step 10) with a forward-only reader. <see cref="ClaimsJsonReader"/>
    /// reads the same token stream as <see cref="Utf8JsonReader"/> (and also refuses strings that are not well-formed
    /// UTF-8 or hold unpaired surrogate escapes), so claims are checked in document order, as they arrive.
    /// </summary>
    private SessionTokenValidationResult? ReadClaims(ReadOnlySpan<byte> json, SessionSigningKey key, string token, Range payloadChars, out SessionTokenClaims? claims)
    {
        claims = null;
        long exp = 0, nbf = 0, iat = 0, authTime = 0, rev = 0;
        string? sub = null, acr = null;
        Range jti = default, sid = default, authn = default, name = default, givenName = default, familyName = default, profession = default;
        var methods = AuthenticationMethods.None;
        var loa = AssuranceLevel.None;
        var phr = false;
        var issuerMatches = false;
        var audienceMatches = false;
        Range issRange = default, audRange = default;
        var seen = 0;
        var present = 0;
        var reader = new ClaimsJsonReader(json);
        if (!reader.Read())
        {
            return NotJson(ref reader);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail(ReasonCodes.TokenMalformed, "The token payload is not a JSON object (RFC 7519 §7.2 step 10).");
        }

        // Each member at once: its name, then its value's first token (as two Reads would give them).
        while (reader.ReadMember())
        {
            var claim = reader.MemberNameIsEscaped ? IdentifyEscaped(ref reader) : Identify(reader.MemberNameSpan);
            if (claim == Claim.None)
            {
                if (!reader.Skip())
                {
                    return NotJson(ref reader);
                }

                continue;
            }

            // RFC 7519 §4: claim names within a claims set MUST be unique; duplicates are refused.
            var bit = 1 << (int)claim;
            if ((seen & bit) != 0)
            {
                return Duplicate("claim", NameOf(claim));
            }

            seen |= bit;
            if (reader.TokenType == JsonTokenType.Null)
            {
                // A null claim counts as absent.
                continue;
            }

            present |= bit;
            switch (claim)
            {
                case Claim.Iss:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return WrongType(claim, "a string", reader.TokenType);
                    }

                    issRange = new Range(reader.TokenStartIndex, reader.BytesConsumed);
                    issuerMatches = reader.ValueTextEquals(_issuerUtf8);
                    break;
                case Claim.Aud:
                    // RFC 7519 §4.1.3: a single string or an array of strings; one of them must identify this service.
                    var audStart = reader.TokenStartIndex;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        audienceMatches = reader.ValueTextEquals(_audienceUtf8);
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        while (true)
                        {
                            if (!reader.Read())
                            {
                                return NotJson(ref reader);
                            }

                            if (reader.TokenType == JsonTokenType.EndArray)
                            {
                                break;
                            }

                            if (reader.TokenType != JsonTokenType.String)
                            {
                                return WrongType(claim, "a string or an array of strings", reader.TokenType);
                            }

                            audienceMatches |= reader.ValueTextEquals(_audienceUtf8);
                        }
                    }
                    else
                    {
                        return WrongType(claim, "a string or an array of strings", reader.TokenType);
                    }

                    audRange = new Range(audStart, reader.BytesConsumed);
                    break;
                case Claim.Exp:
                    if (!TryReadNumericDate(ref reader, out exp))
                    {
                        return BadDate(claim, ref reader);
                    }

                    break;
                case Claim.Nbf:
                    if (!TryReadNumericDate(ref reader, out nbf))
                    {
                        return BadDate(claim, ref reader);
                    }

                    break;
                case Claim.Iat:
                    if (!TryReadNumericDate(ref reader, out iat))
                    {
                        return BadDate(claim, ref reader);
                    }

                    break;
                case Claim.AuthTime:
                    if (!TryReadNumericDate(ref reader, out authTime))
                    {
                        return BadDate(claim, ref reader);
                    }

                    break;
                case Claim.Rev:
                    if (reader.TokenType != JsonTokenType.Number ||
                        !(reader.TryGetPlainInteger(out rev) || reader.TryGetInt64(out rev)) || rev < 0)
                    {
                        return WrongType(claim, "a non-negative integer", reader.TokenType);
                    }

                    break;
                case Claim.Phr:
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        return WrongType(claim, "a boolean", reader.TokenType);
                    }

                    phr = reader.TokenType == JsonTokenType.True;
                    break;
                case Claim.Amr:
                    // RFC 8176 §1: amr is an array of strings; values CarteAuth does not know are ignored.
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return WrongType(claim, "an array of strings", reader.TokenType);
                    }

                    while (true)
                    {
                        if (!reader.Read())
                        {
                            return NotJson(ref reader);
                        }

                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            break;
                        }

                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return WrongType(claim, "an array of strings", reader.TokenType);
                        }

                        methods |= reader.ValueIsEscaped ? FindEscapedAmr(ref reader) : AmrLookup.Find(reader.ValueSpan);
                    }

                    break;
                case Claim.Loa:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return WrongType(claim, "a string", reader.TokenType);
                    }

                    loa = reader.ValueTextEquals("high"u8) ? AssuranceLevel.High
                        : reader.ValueTextEquals("substantial"u8) ? AssuranceLevel.Substantial
                        : reader.ValueTextEquals("low"u8) ? AssuranceLevel.Low
                        : Acr.TryGetLevel(reader.GetString(), out var level) ? level : AssuranceLevel.None;
                    break;
                default:
                    // The remaining claims are strings.
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return WrongType(claim, "a string", reader.TokenType);
                    }

                    // Informational strings are only located here and decoded when read (SessionTokenClaims); the
                    // reader has checked that they decode.
                    var at = new Range(reader.TokenStartIndex, reader.BytesConsumed);
                    switch (claim)
                    {
                        case Claim.Sub:
                            sub = reader.GetString();
                            break;
                        case Claim.Acr:
                            acr = KnownAcr(ref reader);
                            break;
                        case Claim.Jti:
                            jti = at;
                            break;
                        case Claim.Sid:
                            sid = at;
                            break;
                        case Claim.Authn:
                            authn = at;
                            break;
                        case Claim.Name:
                            name = at;
                            break;
                        case Claim.GivenName:
                            givenName = at;
                            break;
                        case Claim.FamilyName:
                            familyName = at;
                            break;
                        default:
                            profession = at;
                            break;
                    }

                    break;
            }
        }

        if (reader.Error != ClaimsJsonError.None)
        {
            return NotJson(ref reader);
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return Fail(ReasonCodes.TokenMalformed, "The token payload is not a single JSON object (RFC 7519 §7.2 step 10).");
        }

        if (reader.Error != ClaimsJsonError.None)
        {
            return NotJson(ref reader);
        }
        // ---- time (RFC 7519 §4.1.4, §4.1.5, §4.1.6), with the configured clock skew ----
        if (!Has(present, Claim.Exp))
        {
            return Missing(Claim.Exp, "CarteAuth session tokens always expire (RFC 7519 §4.1.4)");
        }

        if (!Has(present, Claim.Iat))
        {
            return Missing(Claim.Iat, "CarteAuth session tokens record when they were issued (RFC 7519 §4.1.6)");
        }

        if (CheckTimes(exp, Has(present, Claim.Nbf) ? nbf : null, iat) is { } timeFailure)
        {
            return timeFailure;
        }

        // ---- issuer and audience (RFC 7519 §4.1.1, §4.1.3) ----
        if (!Has(present, Claim.Iss))
        {
            return Missing(Claim.Iss, $"this service accepts tokens from '{_issuer}' only");
        }

        if (!issuerMatches)
        {
            return Fail(ReasonCodes.TokenBadIssuer, $"The token's issuer is {Raw(json, issRange)}; this service accepts '{_issuer}' only (SessionTokenOptions.Issuer). The token comes from another token service.");
        }

        if (!Has(present, Claim.Aud))
        {
            return Missing(Claim.Aud, $"this service requires the audience '{_audience}'");
        }

        if (!audienceMatches)
        {
            return Fail(ReasonCodes.TokenBadAudience, $"The token's audience is {Raw(json, audRange)}; it does not include '{_audience}' (SessionTokenOptions.Audience). The token was issued for another service.");
        }

        // ---- CarteAuth's required claims ----
        if (string.IsNullOrEmpty(sub))
        {
            return Missing(Claim.Sub, "it names the professional (idNat)");
        }

        // An empty JSON string is two bytes: its quotes.
        if (!Has(present, Claim.Jti) || jti.End.Value - jti.Start.Value <= 2)
        {
            return Missing(Claim.Jti, "it identifies the token (RFC 7519 §4.1.7)");
        }

        if (!Has(present, Claim.Rev))
        {
            return Missing(Claim.Rev, "it carries the subject's revocation epoch");
        }

        if (loa == AssuranceLevel.None && acr is not null && Acr.TryGetLevel(acr, out var fromAcr))
        {
            loa = fromAcr;
        }

        claims = new SessionTokenClaims(token, payloadChars, sub, key.Kid, DateTimeOffset.FromUnixTimeMilliseconds(iat), DateTimeOffset.FromUnixTimeMilliseconds(exp), rev)
        {
            NotBefore = Has(present, Claim.Nbf) ? DateTimeOffset.FromUnixTimeMilliseconds(nbf) : null,
            AuthTime = Has(present, Claim.AuthTime) ? DateTimeOffset.FromUnixTimeMilliseconds(authTime) : null,
            Methods = methods,
            Assurance = loa,
            Acr = acr,
            IsPhishingResistant = phr,
            TokenIdJson = jti,
            SessionIdJson = sid,
            AuthenticatorJson = authn,
            NameJson = name,
            GivenNameJson = givenName,
            FamilyNameJson = familyName,
            ProfessionJson = profession,
        };
        return null;
    }

    /// <summary>
    /// The time checks (RFC 7519 §4.1.4, §4.1.5, §4.1.6) against the clock now, with the configured skew: run on every
    /// validation, also when the token's signature and claims come from the verified-token cache.
    /// </summary>
    private SessionTokenValidationResult? CheckTimes(long exp, long? nbf, long iat)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();

        // §4.1.4: "the current date/time MUST be before the expiration date/time listed in the exp claim".
        if (now >= exp + _skewMs)
        {
            return Fail(ReasonCodes.TokenExpired, $"The token expired at {Iso(exp)} (now {Iso(now)}, clock skew allowed {_skew.TotalSeconds:0}s). Sign in again to get a new token.");
        }

        // §4.1.5: "the current date/time MUST be after or equal to the not-before date/time listed in the nbf claim".
        if (nbf is { } notBefore && now < notBefore - _skewMs)
        {
            return Fail(ReasonCodes.TokenNotYetValid, $"The token is not valid before {Iso(notBefore)} (now {Iso(now)}, clock skew allowed {_skew.TotalSeconds:0}s). Check that the issuer's and this server's clocks agree (NTP).");
        }

        if (iat > now + _skewMs)
        {
            return Fail(ReasonCodes.TokenNotYetValid, $"The token claims to be issued at {Iso(iat)}, in the future (now {Iso(now)}, clock skew allowed {_skew.TotalSeconds:0}s). Check that the issuer's and this server's clocks agree (NTP).");
        }

        return null;
    }

    /// <summary>
    /// RFC 7519 §2 NumericDate: seconds since the epoch, possibly non-integer. Read as milliseconds; values outside
    /// the years 1-9999 are refused.
    /// </summary>
    private static bool TryReadNumericDate(ref ClaimsJsonReader reader, out long milliseconds)
    {
        const long MinSeconds = -62_135_596_800;
        const long MaxSeconds = 253_402_300_799;
        milliseconds = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        // Fast path: the reader has already checked the JSON number syntax (RFC 8259 §6), so plain digits are an integer.
        if (reader.TryGetPlainInteger(out var seconds) || reader.TryGetInt64(out seconds))
        {
            if (seconds is < MinSeconds or > MaxSeconds)
            {
                return false;
            }

            milliseconds = seconds * 1000;
            return true;
        }

        if (reader.TryGetDouble(out var value) && double.IsFinite(value) && value >= MinSeconds && value <= MaxSeconds)
        {
            milliseconds = (long)Math.Floor(value * 1000);
            return true;
        }

        return false;
    }

    private static SessionTokenValidationResult BadDate(Claim claim, ref ClaimsJsonReader reader) =>
        reader.TokenType == JsonTokenType.Number
            ? Fail(ReasonCodes.TokenMalformed, $"The token's {NameOf(claim)} is {Encoding.UTF8.GetString(reader.ValueSpan)}, outside the dates a NumericDate can express (years 1 to 9999, RFC 7519 §2).")
            : WrongType(claim, "a NumericDate (seconds since 1970-01-01T00:00:00Z, RFC 7519 §2)", reader.TokenType);

    private static SessionTokenValidationResult NotJson(ref ClaimsJsonReader reader) =>
        Fail(ReasonCodes.TokenMalformed, $"The token payload is not valid JSON (RFC 7519 §7.2 step 10): {reader.DescribeError()}");

    private static SessionTokenValidationResult WrongType(Claim claim, string expected, JsonTokenType actual) =>
        Fail(ReasonCodes.TokenMalformed, $"The token's {NameOf(claim)} claim is a JSON {JsonTokenNames.Noun(actual)}; it must be {expected}.");

    private static SessionTokenValidationResult Missing(Claim claim, string why) =>
        Fail(ReasonCodes.TokenMissingClaim, $"The token has no {NameOf(claim)} claim, which is required: {why}. It was not issued by CarteAuth or was built by hand.");

    private static SessionTokenValidationResult Duplicate(string what, string name) =>
        Fail(ReasonCodes.TokenMalformed, $"The token has the {what} '{name}' twice; names must be unique (RFC 7515 §4, RFC 7519 §4), so the token is refused rather than guessing which one counts.");

    private static string DescribeChar(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
            ? $"the character U+{(int)c:X4}"
            : $"the character '{c}'";

    private static string Iso(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Raw(ReadOnlySpan<byte> json, Range range) =>
        NationalId.Printable(Encoding.UTF8.GetString(json[range]));

    private static string KnownKids(SigningKeyRing ring)
    {
        var kids = new List<string>(ring.Keys.Count);
        foreach (var key in ring.Keys)
        {
            kids.Add($"'{key.Kid}'");
        }

        return string.Join(", ", kids);
    }

    /// <summary>Returns a shared string for the common ACR values instead of allocating one.</summary>
    private static string KnownAcr(ref ClaimsJsonReader reader) =>
        reader.ValueTextEquals("high"u8) ? "high"
        : reader.ValueTextEquals("substantial"u8) ? "substantial"
        : reader.ValueTextEquals("low"u8) ? "low"
        : reader.ValueTextEquals("eidas1"u8) ? Acr.ProSanteConnect
        : reader.GetString();

    /// <summary>Recognises an escaped property name: claim names are at most 11 bytes, so a longer text is none of them.</summary>
    private static Claim IdentifyEscaped(ref ClaimsJsonReader reader)
    {
        Span<byte> name = stackalloc byte[16];
        return reader.TryCopyMemberName(name, out var length) ? Identify(name[..length]) : Claim.None;
    }

    /// <summary>Matches an escaped amr value: registered values are at most 6 bytes, so a longer text is none of them.</summary>
    private static AuthenticationMethods FindEscapedAmr(ref ClaimsJsonReader reader)
    {
        Span<byte> value = stackalloc byte[16];
        return reader.TryCopyValue(value, out var length) ? AmrLookup.Find(value[..length]) : AuthenticationMethods.None;
    }

    private static bool Has(int mask, Claim claim) => (mask & (1 << (int)claim)) != 0;

    // Claim names (or parts of them) as little-endian integers, for Identify.
    private static readonly uint NameKey = BinaryPrimitives.ReadUInt32LittleEndian("name"u8);
    private static readonly uint AuthKey = BinaryPrimitives.ReadUInt32LittleEndian("auth"u8);
    private static readonly ulong AuthTimKey = BinaryPrimitives.ReadUInt64LittleEndian("auth_tim"u8);
    private static readonly ulong GivenNaKey = BinaryPrimitives.ReadUInt64LittleEndian("given_na"u8);
    private static readonly ulong VenNameKey = BinaryPrimitives.ReadUInt64LittleEndian("ven_name"u8);
    private static readonly ulong ProfessiKey = BinaryPrimitives.ReadUInt64LittleEndian("professi"u8);
    private static readonly ulong OfessionKey = BinaryPrimitives.ReadUInt64LittleEndian("ofession"u8);
    private static readonly ulong FamilyNKey = BinaryPrimitives.ReadUInt64LittleEndian("family_n"u8);
    private static readonly ulong IlyNameKey = BinaryPrimitives.ReadUInt64LittleEndian("ily_name"u8);

    /// <summary>Recognises the claims CarteAuth reads from a property name, by length then bytes (no allocation).</summary>
    private static Claim Identify(ReadOnlySpan<byte> name)
    {
        switch (name.Length)
        {
            case 3:
                // The three bytes as one integer: one comparison per candidate.
                return (name[0] | (name[1] << 8) | (name[2] << 16)) switch
                {
                    'i' | ('s' << 8) | ('s' << 16) => Claim.Iss,
                    'i' | ('a' << 8) | ('t' << 16) => Claim.Iat,
                    'a' | ('u' << 8) | ('d' << 16) => Claim.Aud,
                    'a' | ('m' << 8) | ('r' << 16) => Claim.Amr,
                    'a' | ('c' << 8) | ('r' << 16) => Claim.Acr,
                    's' | ('u' << 8) | ('b' << 16) => Claim.Sub,
                    's' | ('i' << 8) | ('d' << 16) => Claim.Sid,
                    'e' | ('x' << 8) | ('p' << 16) => Claim.Exp,
                    'n' | ('b' << 8) | ('f' << 16) => Claim.Nbf,
                    'j' | ('t' << 8) | ('i' << 16) => Claim.Jti,
                    'l' | ('o' << 8) | ('a' << 16) => Claim.Loa,
                    'r' | ('e' << 8) | ('v' << 16) => Claim.Rev,
                    'p' | ('h' << 8) | ('r' << 16) => Claim.Phr,
                    _ => Claim.None,
                };
            case 4:
                return BinaryPrimitives.ReadUInt32LittleEndian(name) == NameKey ? Claim.Name : Claim.None;
            case 5:
                return BinaryPrimitives.ReadUInt32LittleEndian(name) == AuthKey && name[4] == (byte)'n' ? Claim.Authn : Claim.None;
            case 9:
                return BinaryPrimitives.ReadUInt64LittleEndian(name) == AuthTimKey && name[8] == (byte)'e' ? Claim.AuthTime : Claim.None;
            case 10:
                // Two overlapping eight-byte reads cover the ten bytes.
                var head = BinaryPrimitives.ReadUInt64LittleEndian(name);
                var tail = BinaryPrimitives.ReadUInt64LittleEndian(name[2..]);
                return head == GivenNaKey && tail == VenNameKey ? Claim.GivenName
                    : head == ProfessiKey && tail == OfessionKey ? Claim.Profession
                    : Claim.None;
            case 11:
                return BinaryPrimitives.ReadUInt64LittleEndian(name) == FamilyNKey && BinaryPrimitives.ReadUInt64LittleEndian(name[3..]) == IlyNameKey
                    ? Claim.FamilyName
                    : Claim.None;
            default:
                return Claim.None;
        }
    }

    private static string NameOf(Claim claim) => claim switch
    {
        Claim.Iss => SessionTokenClaimNames.Issuer,
        Claim.Aud => SessionTokenClaimNames.Audience,
        Claim.Sub => SessionTokenClaimNames.Subject,
        Claim.Exp => SessionTokenClaimNames.ExpiresAt,
        Claim.Nbf => SessionTokenClaimNames.NotBefore,
        Claim.Iat => SessionTokenClaimNames.IssuedAt,
        Claim.Jti => SessionTokenClaimNames.TokenId,
        Claim.Sid => SessionTokenClaimNames.SessionId,
        Claim.AuthTime => SessionTokenClaimNames.AuthTime,
        Claim.Amr => SessionTokenClaimNames.Methods,
        Claim.Acr => SessionTokenClaimNames.Acr,
        Claim.Loa => SessionTokenClaimNames.Assurance,
        Claim.Rev => SessionTokenClaimNames.Epoch,
        Claim.Authn => SessionTokenClaimNames.Authenticator,
        Claim.Phr => SessionTokenClaimNames.PhishingResistant,
        Claim.Name => SessionTokenClaimNames.Name,
        Claim.GivenName => SessionTokenClaimNames.GivenName,
        Claim.FamilyName => SessionTokenClaimNames.FamilyName,
        Claim.Profession => SessionTokenClaimNames.Profession,
        _ => claim.ToString(),
    };

    /// <summary>A header already read and resolved to a key in a ring (immutable, swapped atomically).</summary>
    private sealed class HeaderMemo(SigningKeyRing ring, string header, SessionSigningKey key)
    {
        public SigningKeyRing Ring { get; } = ring;

        public string Header { get; } = header;

        public SessionSigningKey Key { get; } = key;
    }

    /// <summary>The claims CarteAuth reads, numbered densely (a jump table dispatches them; masks use 1 &lt;&lt; value).</summary>
    private enum Claim
    {
        None = 0,
        Iss = 1,
        Aud = 2,
        Sub = 3,
        Exp = 4,
        Nbf = 5,
        Iat = 6,
        Jti = 7,
        Sid = 8,
        AuthTime = 9,
        Amr = 10,
        Acr = 11,
        Loa = 12,
        Rev = 13,
        Authn = 14,
        Phr = 15,
        Name = 16,
        GivenName = 17,
        FamilyName = 18,
        Profession = 19,
    }

    /// <summary>RFC 8176 amr values, matched without allocating: each value's bytes and length packed in one integer.</summary>
    private static class AmrLookup
    {
        private static readonly (ulong Key, AuthenticationMethods Method)[] Values = Build();

        public static AuthenticationMethods Find(ReadOnlySpan<byte> value)
        {
            var key = Pack(value);
            if (key != 0)
            {
                foreach (var (candidate, method) in Values)
                {
                    if (candidate == key)
                    {
                        return method;
                    }
                }
            }

            return AuthenticationMethods.None;
        }

        // 1 to 7 bytes, with the length in the top byte; 0 (no value matches) for anything longer or empty.
        private static ulong Pack(ReadOnlySpan<byte> value)
        {
            if (value.Length is 0 or > 7)
            {
                return 0;
            }

            var key = (ulong)value.Length << 56;
            for (var i = 0; i < value.Length; i++)
            {
                key |= (ulong)value[i] << (i * 8);
            }

            return key;
        }

        private static (ulong, AuthenticationMethods)[] Build()
        {
            var values = new List<(ulong, AuthenticationMethods)>(Amr.RegisteredValues.Count);
            foreach (var value in Amr.RegisteredValues)
            {
                var key = Pack(Encoding.UTF8.GetBytes(value));
                if (key != 0 && Amr.TryParse(value, out var method))
                {
                    values.Add((key, method));
                }
            }

            return [.. values];
        }
    }
}
