using System.Security.Cryptography;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Fido2;

/// <summary>
/// The WebAuthn Level 3 relying party: creates registration and assertion options (storing their single-use
/// challenge) and verifies the browser's responses (§7.1 registration, §7.2 authentication) against
/// <see cref="Fido2Options"/>, the challenge store, the credential store and the attestation verifier. Results are
/// typed (<see cref="Fido2RegistrationResult"/>, <see cref="Fido2AssertionResult"/>); bad input never throws.
/// </summary>
/// <remarks>
/// Level policy: the substantial and high levels require UV whatever <see cref="Fido2Options.UserVerification"/> says.
/// Registering for the high level also requires a device-bound credential (BE=0) and a trusted attestation under
/// <see cref="Fido2Options.RequireTrustedAttestation"/> and <see cref="Fido2Options.AllowedAaguids"/>.
/// UP is always required (§7.1 step 14): conditional-mediation registration (automatic passkey upgrade, UP=0) is not
/// supported. Extension outputs (§7.1 step 20, §7.2 step 20) are not requested, and ignored.
/// </remarks>
public sealed class Fido2RelyingParty
{
    private const int MaxCachedKeys = 10_000;

    // Parsed credential public keys (with their imported platform key), by their COSE bytes: a credential's key never
    // changes, and parsing plus importing costs about as much as the signature check itself. Bounded: cleared when full.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], CoseKey> _keys = new(ByteContent.Comparer);

    private const int ChallengeLength = 32;
    private const int MaxSignatureLength = 2048;
    private const int MaxAuthenticatorDataLength = 16 * 1024;

    private readonly Fido2Options _options;
    private readonly IWebAuthnChallengeStore _challenges;
    private readonly IFido2CredentialStore _credentials;
    private readonly IAttestationVerifier _attestation;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _rpIdHash;
    private readonly HashSet<string> _origins;
    private readonly HashSet<string> _topOrigins;

    /// <summary>Creates the relying party.</summary>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="challenges">Where challenges are kept.</param>
    /// <param name="credentials">Where credentials are kept.</param>
    /// <param name="attestation">Verifies registration attestations.</param>
    /// <param name="timeProvider">The clock (default the system clock).</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnInvalidOptions"/> when the options are invalid.</exception>
    public Fido2RelyingParty(Fido2Options options, IWebAuthnChallengeStore challenges, IFido2CredentialStore credentials, IAttestationVerifier attestation, TimeProvider? timeProvider = null, ILogger<Fido2RelyingParty>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(challenges);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(attestation);
        options.Validate();
        _options = options;
        _challenges = challenges;
        _credentials = credentials;
        _attestation = attestation;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _rpIdHash = options.RpIdHash();
        _origins = new HashSet<string>(options.Origins, StringComparer.Ordinal);
        _topOrigins = new HashSet<string>(options.AllowedTopOrigins, StringComparer.Ordinal);
    }

    /// <summary>The settings.</summary>
    public Fido2Options Options => _options;

    /// <summary>
    /// Creates registration options for <paramref name="user"/> (excluding the account's existing credentials) and
    /// stores their challenge.
    /// </summary>
    /// <param name="user">The account.</param>
    /// <param name="level">The level the credential is registered for (UV from substantial; trusted attestation, device-bound at high).</param>
    /// <param name="binding">The session the ceremony belongs to; the response must then be verified with the same binding.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="WebAuthnException">Invalid user handle or level (<see cref="ReasonCodes.WebAuthnInvalidOptions"/>), or the challenge store is full.</exception>
    public async ValueTask<PublicKeyCredentialCreationOptionsJSON> CreateRegistrationOptionsAsync(Fido2User user, AssuranceLevel level = AssuranceLevel.Substantial, string? binding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        CheckUserHandle(user.UserHandle);
        CheckLevel(level);
        var existing = await _credentials.ListByUserHandleAsync(user.UserHandle, _options.MaxCredentialsPerUser, cancellationToken).ConfigureAwait(false);
        var challenge = RandomNumberGenerator.GetBytes(ChallengeLength);
        var uvRequired = RequiresUserVerification(level);
        var algorithms = _options.Algorithms.ToArray();
        await _challenges.StoreAsync(new WebAuthnChallengeState
        {
            Challenge = challenge,
            Ceremony = WebAuthnCeremony.Registration,
            ExpiresAt = _time.GetUtcNow() + _options.ChallengeLifetime,
            Binding = binding,
            UserHandle = user.UserHandle.ToArray(),
            User = user.Identity,
            Level = level,
            UserVerificationRequired = uvRequired,
            Algorithms = algorithms,
        }, cancellationToken).ConfigureAwait(false);

        Fido2Log.RegistrationOptionsIssued(_logger, user.Identity.NationalId.Value, Acr.ToValue(level), existing.Count);
        var attestation = level == AssuranceLevel.High && _options.Attestation is "none" or "indirect" ? "direct" : _options.Attestation;
        return new PublicKeyCredentialCreationOptionsJSON
        {
            Rp = new PublicKeyCredentialRpEntity { Name = _options.RpName, Id = _options.RpId },
            User = new PublicKeyCredentialUserEntityJSON { Id = WebAuthnBase64Url.Encode(user.UserHandle), Name = user.Identity.NationalId.Value, DisplayName = user.Identity.DisplayName },
            Challenge = WebAuthnBase64Url.Encode(challenge),
            PubKeyCredParams = [.. algorithms.Select(a => new PublicKeyCredentialParameters { Type = "public-key", Alg = (long)a })],
            Timeout = (uint)_options.Timeout.TotalMilliseconds,
            ExcludeCredentials = [.. existing.Select(Descriptor)],
            AuthenticatorSelection = new AuthenticatorSelectionCriteria
            {
                ResidentKey = _options.ResidentKey,
                RequireResidentKey = _options.ResidentKey == "required",
                UserVerification = uvRequired ? "required" : _options.UserVerification,
            },
            Attestation = attestation,
            Hints = level == AssuranceLevel.High ? ["security-key"] : null,
        };
    }

    /// <summary>
    /// Creates assertion options and stores their challenge. With <paramref name="userHandle"/> (the user was
    /// identified first), <c>allowCredentials</c> lists the account's credentials; without, any discoverable credential
    /// may answer and the response must carry its user handle.
    /// </summary>
    /// <param name="userHandle">The account's user handle, or null for discoverable credentials (passkey autofill).</param>
    /// <param name="level">The level asked for (UV required from substantial).</param>
    /// <param name="binding">The session the ceremony belongs to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<PublicKeyCredentialRequestOptionsJSON> CreateAssertionOptionsAsync(byte[]? userHandle = null, AssuranceLevel level = AssuranceLevel.Substantial, string? binding = null, CancellationToken cancellationToken = default)
    {
        CheckLevel(level);
        IReadOnlyList<Fido2CredentialRecord> allowed = [];
        if (userHandle is not null)
        {
            CheckUserHandle(userHandle);
            allowed = await _credentials.ListByUserHandleAsync(userHandle, _options.MaxCredentialsPerUser, cancellationToken).ConfigureAwait(false);
        }

        var challenge = RandomNumberGenerator.GetBytes(ChallengeLength);
        var uvRequired = RequiresUserVerification(level);
        await _challenges.StoreAsync(new WebAuthnChallengeState
        {
            Challenge = challenge,
            Ceremony = WebAuthnCeremony.Authentication,
            ExpiresAt = _time.GetUtcNow() + _options.ChallengeLifetime,
            Binding = binding,
            UserHandle = userHandle?.ToArray(),
            Level = level,
            UserVerificationRequired = uvRequired,
            AllowedCredentialIds = [.. allowed.Select(c => c.Id)],
        }, cancellationToken).ConfigureAwait(false);

        Fido2Log.AssertionOptionsIssued(_logger, Acr.ToValue(level), allowed.Count);
        return new PublicKeyCredentialRequestOptionsJSON
        {
            Challenge = WebAuthnBase64Url.Encode(challenge),
            Timeout = (uint)_options.Timeout.TotalMilliseconds,
            RpId = _options.RpId,
            AllowCredentials = userHandle is null ? null : [.. allowed.Select(Descriptor)],
            UserVerification = uvRequired ? "required" : _options.UserVerification,
        };
    }

    /// <summary>Verifies a registration response (WebAuthn L3 §7.1 steps 5-27) and stores the new credential.</summary>
    /// <param name="response">What <c>credential.toJSON()</c> gave.</param>
    /// <param name="binding">The session binding given when the options were created.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<Fido2RegistrationResult> VerifyRegistrationAsync(RegistrationResponseJSON response, string? binding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            var result = await RegisterAsync(response, c => ConsumeChallengeAsync(c, WebAuthnCeremony.Registration, binding, cancellationToken), cancellationToken).ConfigureAwait(false);
            Fido2Log.CredentialRegistered(_logger, Fido2CredentialStoreErrors.Shorten(result.Credential!.IdText), result.Credential.Owner.NationalId.Value, result.AttestationFormat!, result.AttestationType.ToString()!, result.AttestationTrusted, result.Aaguid, result.BackupEligible);
            return result;
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.RegistrationRefused(_logger, ex.ReasonCode, ex.Message);
            return Fido2RegistrationResult.Fail(ex.ReasonCode, ex.Message);
        }
    }

    /// <summary>Parses and verifies a registration response given as JSON text.</summary>
    public ValueTask<Fido2RegistrationResult> VerifyRegistrationAsync(string responseJson, string? binding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responseJson);
        try
        {
            return VerifyRegistrationAsync(RegistrationResponseJSON.Parse(responseJson, _options.MaxResponseJsonLength), binding, cancellationToken);
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.RegistrationRefused(_logger, ex.ReasonCode, ex.Message);
            return ValueTask.FromResult(Fido2RegistrationResult.Fail(ex.ReasonCode, ex.Message));
        }
    }

    /// <summary>
    /// Verifies an authentication response (WebAuthn L3 §7.2) and records the use (sign count, backup state, last use).
    /// A signature counter that did not increase is refused with <see cref="ReasonCodes.WebAuthnCounterRegression"/>.
    /// </summary>
    /// <param name="response">What <c>credential.toJSON()</c> gave.</param>
    /// <param name="binding">The session binding given when the options were created.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<Fido2AssertionResult> VerifyAssertionAsync(AuthenticationResponseJSON response, string? binding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var context = new AssertionContext();
        try
        {
            var result = await AssertAsync(response, c => ConsumeChallengeAsync(c, WebAuthnCeremony.Authentication, binding, cancellationToken), context, cancellationToken).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                LogAssertionVerified(result);
            }

            return result;
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.AssertionRefused(_logger, ex.ReasonCode, ex.Message);
            return Fido2AssertionResult.Fail(ex.ReasonCode, ex.Message, context.Credential);
        }
    }

    private void LogAssertionVerified(Fido2AssertionResult result) =>
        Fido2Log.AssertionVerified(_logger, Fido2CredentialStoreErrors.Shorten(result.Credential!.IdText), result.Credential.Owner.NationalId.Value, result.UserVerified, result.BackupEligible, result.BackedUp, result.SignCount);

    /// <summary>Parses and verifies an authentication response given as JSON text.</summary>
    public ValueTask<Fido2AssertionResult> VerifyAssertionAsync(string responseJson, string? binding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responseJson);
        try
        {
            return VerifyAssertionAsync(AuthenticationResponseJSON.Parse(responseJson, _options.MaxResponseJsonLength), binding, cancellationToken);
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.AssertionRefused(_logger, ex.ReasonCode, ex.Message);
            return ValueTask.FromResult(Fido2AssertionResult.Fail(ex.ReasonCode, ex.Message));
        }
    }

    /// <summary>
    /// Verifies a registration response against creation options the caller kept (e.g. the <c>carteauth webauthn
    /// verify-registration</c> command, or an application with its own challenge storage) instead of the challenge
    /// store: <c>clientDataJSON.challenge</c> must be <paramref name="options"/>' challenge
    /// (<see cref="ReasonCodes.WebAuthnChallengeMismatch"/> otherwise). The caller is responsible for the challenge's
    /// freshness and single use. The credential is stored for <paramref name="owner"/> like any registration.
    /// </summary>
    /// <param name="response">What <c>credential.toJSON()</c> gave.</param>
    /// <param name="options">The creation options sent to the browser.</param>
    /// <param name="owner">The professional the account belongs to.</param>
    /// <param name="level">The level the credential is registered for.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<Fido2RegistrationResult> VerifyRegistrationAsync(RegistrationResponseJSON response, PublicKeyCredentialCreationOptionsJSON options, ProfessionalIdentity owner, AssuranceLevel level = AssuranceLevel.Substantial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(owner);
        try
        {
            CheckLevel(level);
            CheckOptionsRpId(options.Rp.Id);
            var state = new WebAuthnChallengeState
            {
                Challenge = WebAuthnBase64Url.Decode(options.Challenge, "options.challenge", 1024),
                Ceremony = WebAuthnCeremony.Registration,
                ExpiresAt = DateTimeOffset.MaxValue,
                UserHandle = WebAuthnBase64Url.Decode(options.User.Id, "options.user.id", Fido2User.MaxUserHandleLength),
                User = owner,
                Level = level,
                UserVerificationRequired = RequiresUserVerification(level) || options.AuthenticatorSelection?.UserVerification == "required",
                Algorithms = [.. options.PubKeyCredParams.Where(p => p.Type == "public-key" && p.Alg is >= int.MinValue and <= int.MaxValue).Select(p => (CoseAlgorithm)(int)p.Alg).Where(_options.Algorithms.Contains)],
            };
            var result = await RegisterAsync(response, c => ValueTask.FromResult(MatchChallenge(c, state)), cancellationToken).ConfigureAwait(false);
            Fido2Log.CredentialRegistered(_logger, Fido2CredentialStoreErrors.Shorten(result.Credential!.IdText), owner.NationalId.Value, result.AttestationFormat!, result.AttestationType.ToString()!, result.AttestationTrusted, result.Aaguid, result.BackupEligible);
            return result;
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.RegistrationRefused(_logger, ex.ReasonCode, ex.Message);
            return Fido2RegistrationResult.Fail(ex.ReasonCode, ex.Message);
        }
    }

    /// <summary>
    /// Verifies an authentication response against request options the caller kept, instead of the challenge store
    /// (see the registration overload). With <paramref name="userHandle"/>, the user was identified before the
    /// ceremony and must own the credential; without, the response must carry the owner's user handle.
    /// </summary>
    /// <param name="response">What <c>credential.toJSON()</c> gave.</param>
    /// <param name="options">The request options sent to the browser.</param>
    /// <param name="userHandle">The identified user's handle, or null (discoverable credential).</param>
    /// <param name="level">The level asked for (UV required from substantial).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<Fido2AssertionResult> VerifyAssertionAsync(AuthenticationResponseJSON response, PublicKeyCredentialRequestOptionsJSON options, byte[]? userHandle = null, AssuranceLevel level = AssuranceLevel.Substantial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        var context = new AssertionContext();
        try
        {
            CheckLevel(level);
            CheckOptionsRpId(options.RpId);
            var allowed = options.AllowCredentials ?? [];
            if (allowed.Count > _options.MaxCredentialsPerUser)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"options.allowCredentials lists {allowed.Count} credentials; at most {_options.MaxCredentialsPerUser} are accepted.");
            }

            var state = new WebAuthnChallengeState
            {
                Challenge = WebAuthnBase64Url.Decode(options.Challenge, "options.challenge", 1024),
                Ceremony = WebAuthnCeremony.Authentication,
                ExpiresAt = DateTimeOffset.MaxValue,
                UserHandle = userHandle?.ToArray(),
                Level = level,
                UserVerificationRequired = RequiresUserVerification(level) || options.UserVerification == "required",
                AllowedCredentialIds = [.. allowed.Select((d, i) => WebAuthnBase64Url.Decode(d.Id, $"options.allowCredentials[{i}].id", AuthenticatorData.MaxCredentialIdLength))],
            };
            var result = await AssertAsync(response, c => ValueTask.FromResult(MatchChallenge(c, state)), context, cancellationToken).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                LogAssertionVerified(result);
            }

            return result;
        }
        catch (CarteAuthException ex)
        {
            Fido2Log.AssertionRefused(_logger, ex.ReasonCode, ex.Message);
            return Fido2AssertionResult.Fail(ex.ReasonCode, ex.Message, context.Credential);
        }
    }

    private void CheckOptionsRpId(string? rpId)
    {
        if (rpId is not null && !string.Equals(rpId, _options.RpId, StringComparison.Ordinal))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnRpIdMismatch, $"The options name RP ID '{Printable(rpId)}' but this relying party is '{_options.RpId}'. Verify with the relying party the options were made for.");
        }
    }

    /// <summary>§7.1 step 8 / §7.2 step 12 against kept options: the challenge is the options' one.</summary>
    private static WebAuthnChallengeState MatchChallenge(CollectedClientData clientData, WebAuthnChallengeState state)
    {
        byte[] challenge;
        try
        {
            challenge = WebAuthnBase64Url.Decode(clientData.Challenge, "clientDataJSON.challenge", 1024);
        }
        catch (WebAuthnException ex)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeMismatch, $"clientDataJSON.challenge is not the options' challenge: {ex.Message}", ex);
        }

        if (!CryptographicOperations.FixedTimeEquals(challenge, state.Challenge))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeMismatch, "clientDataJSON.challenge is not the challenge of these options (WebAuthn §7.1 step 8, §7.2 step 12): the response answers other options.");
        }

        return state;
    }

    private async ValueTask<Fido2RegistrationResult> RegisterAsync(RegistrationResponseJSON response, Func<CollectedClientData, ValueTask<WebAuthnChallengeState>> resolveState, CancellationToken cancellationToken)
    {
        // §7.1 step 3: a public-key credential; id is the base64url of rawId.
        var rawId = CheckCredential(response.Type, response.Id, response.RawId);
        var clientDataJson = WebAuthnBase64Url.Decode(response.Response.ClientDataJSON, "response.clientDataJSON", _options.MaxClientDataJsonLength);
        var attestationBytes = WebAuthnBase64Url.Decode(response.Response.AttestationObject, "response.attestationObject", AttestationObject.MaxLength);

        // §7.1 steps 5-6: UTF-8 decode and parse clientDataJSON.
        var clientData = CollectedClientData.Parse(clientDataJson, _options.MaxClientDataJsonLength);

        // §7.1 step 7: C.type is webauthn.create.
        if (clientData.Type != "webauthn.create")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnWrongType, $"clientDataJSON.type is '{Printable(clientData.Type)}'; a registration response has 'webauthn.create' (WebAuthn §7.1 step 7). Was an assertion sent to the registration endpoint?");
        }

        // §7.1 step 8: C.challenge is the challenge of the options (single use, not expired, same session).
        var state = await resolveState(clientData).ConfigureAwait(false);
        if (state.User is null || state.UserHandle is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeUnknown, "The registration challenge was stored without its user account; create the options with CreateRegistrationOptionsAsync.");
        }

        // §7.1 steps 9-10: origin and cross-origin policy.
        CheckOrigins(clientData, "7.1 steps 9-10");

        // §7.1 step 11: hash = SHA-256(clientDataJSON).
        var clientDataHash = SHA256.HashData(clientDataJson);

        // §7.1 step 12: CBOR-decode the attestation object (fmt, authData, attStmt).
        var attestationObject = AttestationObject.Parse(attestationBytes);
        RequireSingleCborItem(attestationBytes);
        var authData = attestationObject.AuthenticatorData;
        var attested = authData.AttestedCredentialData!;

        CheckFlags(authData, state.UserVerificationRequired, "7.1 steps 13-16");

        // §7.1 steps 17-18: backup eligibility policy (synced passkeys), device-bound for the high level.
        if (authData.BackupEligible && (!_options.AllowBackupEligible || state.Level == AssuranceLevel.High))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBackupNotAllowed, state.Level == AssuranceLevel.High
                ? "The credential is backup eligible (a synced passkey, BE=1); the high level needs a device-bound credential. Register a hardware security key."
                : "The credential is backup eligible (a synced passkey, BE=1) and Fido2Options.AllowBackupEligible is false. Register a device-bound credential (security key).");
        }

        // §7.1 step 19: the credential key's algorithm is one of pubKeyCredParams (and of the allow-list).
        var algorithm = attested.CredentialPublicKey.Algorithm;
        if (!state.Algorithms.Contains(algorithm) || !_options.Algorithms.Contains(algorithm))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAlgorithmNotAllowed, $"The credential key uses {algorithm} ({(int)algorithm}), which was not offered in pubKeyCredParams ({string.Join(", ", state.Algorithms)}) (WebAuthn §7.1 step 19). Use an authenticator supporting one of them, or add it to Fido2Options.Algorithms.");
        }

        // EdDSA (-8) names the curve only in the key: an Ed448 key is accepted only when Ed448 itself is allowed.
        if (algorithm == CoseAlgorithm.EdDSA && attested.CredentialPublicKey.Curve == CoseCurve.Ed448 && !_options.Algorithms.Contains(CoseAlgorithm.Ed448))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAlgorithmNotAllowed, "The credential key is EdDSA on Ed448, and Fido2Options.Algorithms allows EdDSA for Ed25519 only. Add CoseAlgorithm.Ed448 to accept Ed448 keys.");
        }

        // The credential id of the response is the one in the authenticator data.
        if (!attested.CredentialId.Span.SequenceEqual(rawId))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "rawId is not the credential id inside the attestation object's authenticator data; send the response unchanged.");
        }

        // §7.1 steps 21-24: attestation statement format, verification, trust anchors and trustworthiness.
        var requirement = state.Level == AssuranceLevel.High
            ? new AttestationRequirement(_options.RequireTrustedAttestation, _options.HasAaguidAllowList ? new HashSet<Guid>(_options.AllowedAaguids) : null)
            : AttestationRequirement.Any;
        var verified = await _attestation.VerifyAsync(attestationObject, clientDataHash, requirement, cancellationToken).ConfigureAwait(false);

        // §7.1 step 25: credential id at most 1023 bytes (also enforced while parsing).
        if (rawId.Length is 0 or > AuthenticatorData.MaxCredentialIdLength)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"The credential id is {rawId.Length} bytes; WebAuthn allows 1 to {AuthenticatorData.MaxCredentialIdLength} (§7.1 step 25).");
        }

        // §7.1 step 26: not already registered (for any user).
        if (await _credentials.FindAsync(rawId, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw Fido2CredentialStoreErrors.Exists(WebAuthnBase64Url.Encode(rawId));
        }

        // §7.1 step 27: store the credential record (the store enforces uniqueness again against races).
        var record = new Fido2CredentialRecord
        {
            Id = rawId,
            PublicKey = attested.CredentialPublicKey.Encoded.ToArray(),
            SignCount = authData.SignCount,
            Aaguid = attested.Aaguid,
            Transports = SanitizeTransports(response.Response.Transports),
            BackupEligible = authData.BackupEligible,
            BackedUp = authData.BackedUp,
            UserVerifiedAtRegistration = authData.UserVerified,
            AttestationFormat = verified.Format,
            AttestationType = verified.Type,
            AttestationTrusted = verified.Trusted,
            AttestationTrustPath = [.. verified.TrustPath.Select(c => c.RawData)],
            CreatedAt = _time.GetUtcNow(),
            Owner = state.User,
            UserHandle = state.UserHandle,
        };
        await _credentials.AddAsync(record, cancellationToken).ConfigureAwait(false);
        return new Fido2RegistrationResult
        {
            Succeeded = true,
            ReasonCode = ReasonCodes.WebAuthnVerified,
            Message = $"Credential registered for {record.Owner.NationalId} ({verified.Format} attestation{(verified.Trusted ? ", trusted" : string.Empty)}).",
            Credential = record,
            UserVerified = authData.UserVerified,
            BackupEligible = authData.BackupEligible,
            BackedUp = authData.BackedUp,
            Aaguid = attested.Aaguid,
            AttestationFormat = verified.Format,
            AttestationType = verified.Type,
            AttestationTrusted = verified.Trusted,
            Level = state.Level,
        };
    }

    private CoseKey CredentialKey(byte[] encoded)
    {
        if (_keys.TryGetValue(encoded, out var key))
        {
            return key;
        }

        key = CoseKey.Parse(encoded, out var length);
        if (length != encoded.Length)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUnsupportedKey, $"The stored public key has {encoded.Length - length} byte(s) after its COSE_Key: the credential store is corrupt. Re-register the credential.");
        }

        if (_keys.Count >= MaxCachedKeys)
        {
            _keys.Clear();
        }

        // A copy as the key: the caller's array is not ours to keep.
        return _keys.GetOrAdd(encoded.ToArray(), key);
    }

    private async ValueTask<Fido2AssertionResult> AssertAsync(AuthenticationResponseJSON response, Func<CollectedClientData, ValueTask<WebAuthnChallengeState>> resolveState, AssertionContext context, CancellationToken cancellationToken)
    {
        var rawId = CheckCredential(response.Type, response.Id, response.RawId);
        var clientDataJson = WebAuthnBase64Url.Decode(response.Response.ClientDataJSON, "response.clientDataJSON", _options.MaxClientDataJsonLength);
        var authDataBytes = WebAuthnBase64Url.Decode(response.Response.AuthenticatorData, "response.authenticatorData", MaxAuthenticatorDataLength);
        var signature = WebAuthnBase64Url.Decode(response.Response.Signature, "response.signature", MaxSignatureLength);
        var userHandle = response.Response.UserHandle is null ? null : WebAuthnBase64Url.Decode(response.Response.UserHandle, "response.userHandle", Fido2User.MaxUserHandleLength);

        // §7.2 steps 9-10: UTF-8 decode and parse clientDataJSON.
        var clientData = CollectedClientData.Parse(clientDataJson, _options.MaxClientDataJsonLength);

        // §7.2 step 11: C.type is webauthn.get.
        if (clientData.Type != "webauthn.get")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnWrongType, $"clientDataJSON.type is '{Printable(clientData.Type)}'; an authentication response has 'webauthn.get' (WebAuthn §7.2 step 11). Was a registration sent to the authentication endpoint?");
        }

        // §7.2 step 12: C.challenge is the challenge of the options (single use, not expired, same session).
        var state = await resolveState(clientData).ConfigureAwait(false);

        // §7.2 step 5: when allowCredentials was not empty, the credential is one of them.
        if (state.AllowedCredentialIds.Count > 0 && !state.AllowedCredentialIds.Any(id => id.AsSpan().SequenceEqual(rawId)))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCredentialNotAllowed, "The credential used is not one of allowCredentials (WebAuthn §7.2 step 5): the user chose a credential of another account.");
        }

        // §7.2 step 6: identify the credential record and check its owner.
        var record = await _credentials.FindAsync(rawId, cancellationToken).ConfigureAwait(false)
            ?? throw new WebAuthnException(ReasonCodes.WebAuthnUnknownCredential, $"Credential {Fido2CredentialStoreErrors.Shorten(WebAuthnBase64Url.Encode(rawId))} is not registered here (WebAuthn §7.2 step 6). Register it first; if it was deleted, remove it from the authenticator.");
        context.Credential = record;
        if (state.UserHandle is not null)
        {
            // The user was identified before the ceremony: they own the credential, and userHandle (if any) is theirs.
            if (!record.UserHandle.AsSpan().SequenceEqual(state.UserHandle) || (userHandle is not null && !userHandle.AsSpan().SequenceEqual(state.UserHandle)))
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnCredentialNotAllowed, "The credential does not belong to the user being authenticated, or response.userHandle names another account (WebAuthn §7.2 step 6).");
            }
        }
        else if (userHandle is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCredentialNotAllowed, "response.userHandle is missing: without allowCredentials the authenticator must return the account's user handle (discoverable credential, WebAuthn §7.2 step 6). Register a discoverable credential (residentKey) or identify the user first.");
        }
        else if (!userHandle.AsSpan().SequenceEqual(record.UserHandle))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCredentialNotAllowed, "response.userHandle is not the user handle of the credential's owner (WebAuthn §7.2 step 6).");
        }

        // §7.2 steps 13-14: origin and cross-origin policy.
        CheckOrigins(clientData, "7.2 steps 13-14");

        // §7.2 steps 15-18: rpIdHash, UP, UV, BS without BE.
        var authData = AuthenticatorData.Parse(authDataBytes);
        CheckFlags(authData, state.UserVerificationRequired, "7.2 steps 15-18");

        // §7.2 step 19: BE never changes for a credential (§6.1.3).
        if (authData.BackupEligible != record.BackupEligible)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBackupFlagsInvalid, $"The BE flag is {(authData.BackupEligible ? 1 : 0)} but was {(record.BackupEligible ? 1 : 0)} at registration; backup eligibility cannot change (WebAuthn §6.1.3). The response is not from the registered credential.");
        }

        // §7.2 steps 20-21: hash = SHA-256(cData); the signature is over authenticatorData ‖ hash, with the stored key.
        var key = CredentialKey(record.PublicKey);
        if (!key.VerifyAssertion(authDataBytes, clientDataJson, signature))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBadSignature, "The assertion signature does not verify with the registered public key over authenticatorData ‖ SHA-256(clientDataJSON) (WebAuthn §7.2 step 21). Send the response unchanged.");
        }

        // §7.2 step 22: signature counter. If either counter is non-zero, the new one must be greater.
        if ((authData.SignCount != 0 || record.SignCount != 0) && authData.SignCount <= record.SignCount)
        {
            Fido2Log.CounterRegression(_logger, Fido2CredentialStoreErrors.Shorten(record.IdText), record.Owner.NationalId.Value, record.SignCount, authData.SignCount);
            throw new WebAuthnException(ReasonCodes.WebAuthnCounterRegression, $"The signature counter is {authData.SignCount}, not above the stored {record.SignCount} (WebAuthn §7.2 step 22): the authenticator may have been cloned. The credential should be checked and possibly revoked.");
        }

        // §7.2 step 24: update the credential record (compare-and-set: of two concurrent uses only one wins).
        var now = _time.GetUtcNow();
        if (!await _credentials.UpdateAfterAssertionAsync(rawId, record.SignCount, authData.SignCount, authData.BackedUp, now, cancellationToken).ConfigureAwait(false))
        {
            Fido2Log.CounterRegression(_logger, Fido2CredentialStoreErrors.Shorten(record.IdText), record.Owner.NationalId.Value, record.SignCount, authData.SignCount);
            throw new WebAuthnException(ReasonCodes.WebAuthnCounterRegression, "The credential was used by another assertion at the same time (its stored signature counter changed during verification); this one is refused. Retry; if it repeats, the authenticator may have been cloned.");
        }

        var updated = record with { SignCount = authData.SignCount, BackedUp = authData.BackedUp, LastUsedAt = now };
        return new Fido2AssertionResult
        {
            Succeeded = true,
            ReasonCode = ReasonCodes.WebAuthnVerified,
            Message = $"Assertion verified for {record.Owner.NationalId}.",
            Credential = updated,
            UserVerified = authData.UserVerified,
            BackupEligible = authData.BackupEligible,
            BackedUp = authData.BackedUp,
            SignCount = authData.SignCount,
            Level = state.Level,
        };
    }

    /// <summary>The attestation object is exactly one CBOR item: nothing may follow it.</summary>
    private static void RequireSingleCborItem(byte[] data)
    {
        var remaining = Cbor.Read("attestation object", () =>
        {
            var reader = Cbor.Reader(data, multipleItems: true);
            reader.SkipValue();
            return reader.BytesRemaining;
        });
        if (remaining != 0)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The attestation object has {remaining} unexpected byte(s) after its CBOR map (WebAuthn §6.5.4). Send the authenticator's bytes unchanged.");
        }
    }

    private static byte[] CheckCredential(string type, string id, string rawIdText)
    {
        if (type != "public-key")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The credential type is '{Printable(type)}'; WebAuthn credentials have type 'public-key'.");
        }

        var rawId = WebAuthnBase64Url.Decode(rawIdText, "rawId", AuthenticatorData.MaxCredentialIdLength);
        if (rawId.Length == 0)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "rawId is empty; send the credential id.");
        }

        if (!string.Equals(id, rawIdText, StringComparison.Ordinal))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "id is not the base64url of rawId; send the object produced by PublicKeyCredential.toJSON() unchanged.");
        }

        return rawId;
    }

    private async ValueTask<WebAuthnChallengeState> ConsumeChallengeAsync(CollectedClientData clientData, WebAuthnCeremony ceremony, string? binding, CancellationToken cancellationToken)
    {
        byte[] challenge;
        try
        {
            challenge = WebAuthnBase64Url.Decode(clientData.Challenge, "clientDataJSON.challenge", 1024);
        }
        catch (WebAuthnException ex)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeMismatch, $"clientDataJSON.challenge is not a challenge this server issued: {ex.Message}", ex);
        }

        var state = await _challenges.ConsumeAsync(challenge, ceremony, cancellationToken).ConfigureAwait(false)
            ?? throw new WebAuthnException(ReasonCodes.WebAuthnChallengeUnknown, $"The challenge of this {(ceremony == WebAuthnCeremony.Registration ? "registration" : "authentication")} response is unknown, expired or already used (challenges are single use and valid {_options.ChallengeLifetime.TotalMinutes:0.#} min). Ask for new options and retry.");
        if (state.Binding is not null && !CarteAuth.Text.FixedTime.Equals(state.Binding, binding))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeMismatch, "The challenge was issued to another session than the one sending this response; start the ceremony again from this session.");
        }

        return state;
    }

    private void CheckOrigins(CollectedClientData clientData, string steps)
    {
        if (!_origins.Contains(clientData.Origin))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnOriginNotAllowed, $"clientDataJSON.origin '{Printable(clientData.Origin)}' is not an allowed origin (WebAuthn §{steps}). If the site really runs there, add it to Fido2Options.Origins.");
        }

        if (clientData.CrossOrigin && !_options.AllowCrossOrigin)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCrossOriginNotAllowed, $"The ceremony ran in a cross-origin iframe (crossOrigin: true) and this relying party does not allow it (WebAuthn §{steps}). Run it in the top-level page, or set Fido2Options.AllowCrossOrigin and AllowedTopOrigins.");
        }

        if (clientData.TopOrigin is { } top && !(_options.AllowCrossOrigin && _topOrigins.Contains(top)))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCrossOriginNotAllowed, $"The ceremony ran in an iframe under top origin '{Printable(top)}', which is not allowed (WebAuthn §{steps}). Add it to Fido2Options.AllowedTopOrigins if that page may embed the ceremony.");
        }
    }

    private void CheckFlags(AuthenticatorData authData, bool userVerificationRequired, string steps)
    {
        // rpIdHash is SHA-256 of the RP ID.
        if (!authData.RpIdHash.SequenceEqual(_rpIdHash))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnRpIdMismatch, $"The authenticator data's rpIdHash is not SHA-256 of '{_options.RpId}' (WebAuthn §{steps}): the credential is scoped to another relying party id.");
        }

        // UP is set.
        if (!authData.UserPresent)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUserNotPresent, $"The UP (user present) flag is not set (WebAuthn §{steps}): the user did not touch or confirm on the authenticator.");
        }

        // UV is set when user verification is required.
        if (userVerificationRequired && !authData.UserVerified)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUserVerificationRequired, $"User verification is required (level substantial or high, or Fido2Options.UserVerification = required) but the UV flag is not set (WebAuthn §{steps}). Use an authenticator with a PIN or biometrics, and set it up.");
        }

        // If BE is not set, BS is not set.
        if (authData.BackedUp && !authData.BackupEligible)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBackupFlagsInvalid, $"The BS (backed up) flag is set without BE (backup eligible) (WebAuthn §6.1.3, §{steps}): the authenticator data is invalid.");
        }
    }

    private bool RequiresUserVerification(AssuranceLevel level) => level >= AssuranceLevel.Substantial || _options.UserVerification == "required";

    private static void CheckLevel(AssuranceLevel level)
    {
        if (level is not (AssuranceLevel.Low or AssuranceLevel.Substantial or AssuranceLevel.High))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnInvalidOptions, $"Assurance level {level} cannot be asked of a WebAuthn ceremony; use Low, Substantial or High.");
        }
    }

    private static void CheckUserHandle(byte[] userHandle)
    {
        ArgumentNullException.ThrowIfNull(userHandle);
        if (userHandle.Length is 0 or > Fido2User.MaxUserHandleLength)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnInvalidOptions, $"The user handle is {userHandle.Length} bytes; WebAuthn (§5.4.3) needs 1 to {Fido2User.MaxUserHandleLength} (use Fido2User.NewUserHandle()).");
        }
    }

    private static PublicKeyCredentialDescriptorJSON Descriptor(Fido2CredentialRecord record) => new()
    {
        Type = "public-key",
        Id = record.IdText,
        Transports = record.Transports.Count == 0 ? null : record.Transports,
    };

    private static string[] SanitizeTransports(IReadOnlyList<string>? transports) =>
        transports is null ? [] : [.. transports.Where(t => t.Length is > 0 and <= 32 && t.All(char.IsAsciiLetterOrDigit) || t == "smart-card").Distinct(StringComparer.Ordinal).Take(8)];

    private static string Printable(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "…" : value;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private sealed class AssertionContext
    {
        public Fido2CredentialRecord? Credential { get; set; }
    }
}
