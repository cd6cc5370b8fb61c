using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// STAND-IN for the real relying party (being written in parallel): a deliberately small WebAuthn L3 verifier built on
/// the shared parsing layer (<see cref="AttestationObject"/>, <see cref="AuthenticatorData"/>, <see cref="CoseKey"/>),
/// with one in-memory user, single-use challenges and a policy that requires user verification. At merge time this
/// one class is replaced by an adapter over <c>Fido2RelyingParty</c>; nothing else in Browser/ depends on it.
/// Only <c>attestation: "none"</c> is asked for and accepted (Chromium's virtual authenticator then sends fmt none).
/// </summary>
internal sealed class MinimalCeremonyBackend : IBrowserCeremonyBackend
{
    private const int ChallengeLength = 32;
    private static readonly JsonDocumentOptions JsonLimits = new() { MaxDepth = 16 };

    private readonly Lock _gate = new();
    private readonly string _origin;
    private readonly string _rpId;
    private readonly bool _requireUserVerification;
    private readonly byte[] _userHandle = RandomNumberGenerator.GetBytes(16);
    private readonly Dictionary<string, StoredCredential> _credentials = new(StringComparer.Ordinal);
    private byte[]? _registrationChallenge;
    private byte[]? _assertionChallenge;

    /// <summary>Creates the backend for one page origin.</summary>
    /// <param name="origin">The page's origin, e.g. <c>http://localhost:5123</c> (compared exactly with clientDataJSON.origin).</param>
    /// <param name="rpId">The relying party id (<c>localhost</c>).</param>
    /// <param name="requireUserVerification">The policy: refuse any ceremony whose UV flag is clear.</param>
    public MinimalCeremonyBackend(string origin, string rpId, bool requireUserVerification)
    {
        _origin = origin;
        _rpId = rpId;
        _requireUserVerification = requireUserVerification;
    }

    /// <inheritdoc/>
    public Task<string> RegistrationOptionsJson(CancellationToken cancellationToken)
    {
        var challenge = RandomNumberGenerator.GetBytes(ChallengeLength);
        JsonArray exclude;
        lock (_gate)
        {
            _registrationChallenge = challenge;
            exclude = [.. _credentials.Keys.Select(id => new JsonObject { ["type"] = "public-key", ["id"] = id })];
        }

        // §5.4 PublicKeyCredentialCreationOptions, JSON form (§5.1.9 parseCreationOptionsFromJSON). userVerification is
        // "preferred", not "required", on purpose: then the browser does not enforce UV itself and the server's policy is
        // what refuses a UV-less response (the case a buggy or hostile client produces).
        var options = new JsonObject
        {
            ["rp"] = new JsonObject { ["id"] = _rpId, ["name"] = "CarteAuth browser test" },
            ["user"] = new JsonObject
            {
                ["id"] = Base64Url.EncodeToString(_userHandle),
                ["name"] = "isabelle.donnat-gady",
                ["displayName"] = "Isabelle DONNAT-GADY",
            },
            ["challenge"] = Base64Url.EncodeToString(challenge),
            ["pubKeyCredParams"] = new JsonArray(
                new JsonObject { ["type"] = "public-key", ["alg"] = (int)CoseAlgorithm.ES256 },
                new JsonObject { ["type"] = "public-key", ["alg"] = (int)CoseAlgorithm.RS256 }),
            ["timeout"] = 30_000,
            ["excludeCredentials"] = exclude,
            ["authenticatorSelection"] = new JsonObject
            {
                ["residentKey"] = "required",
                ["requireResidentKey"] = true,
                ["userVerification"] = "preferred",
            },
            ["attestation"] = "none",
        };
        return Task.FromResult(options.ToJsonString());
    }

    /// <inheritdoc/>
    public Task<CeremonyOutcome> VerifyRegistration(string responseJson, CancellationToken cancellationToken)
    {
        byte[]? challenge;
        lock (_gate)
        {
            challenge = _registrationChallenge;
            _registrationChallenge = null; // single use, whatever the outcome
        }

        return Task.FromResult(Guarded(() => Register(responseJson, challenge)));
    }

    /// <inheritdoc/>
    public Task<string> AssertionOptionsJson(string? userName, CancellationToken cancellationToken)
    {
        var challenge = RandomNumberGenerator.GetBytes(ChallengeLength);
        JsonArray allow = [];
        lock (_gate)
        {
            _assertionChallenge = challenge;
            if (userName is not null)
            {
                // The one test user owns every credential (a stand-in: any user name names them).
                allow = [.. _credentials.Keys.Select(id => new JsonObject { ["type"] = "public-key", ["id"] = id })];
            }
        }

        // §5.5 PublicKeyCredentialRequestOptions, JSON form. Usernameless (no allowCredentials): the authenticator must
        // find the discoverable (resident) credential itself and return the user handle.
        var options = new JsonObject
        {
            ["challenge"] = Base64Url.EncodeToString(challenge),
            ["timeout"] = 30_000,
            ["rpId"] = _rpId,
            ["allowCredentials"] = allow,
            ["userVerification"] = "preferred",
        };
        return Task.FromResult(options.ToJsonString());
    }

    /// <inheritdoc/>
    public Task<CeremonyOutcome> VerifyAssertion(string responseJson, CancellationToken cancellationToken)
    {
        byte[]? challenge;
        lock (_gate)
        {
            challenge = _assertionChallenge;
            _assertionChallenge = null;
        }

        return Task.FromResult(Guarded(() => Authenticate(responseJson, challenge)));
    }

    private CeremonyOutcome Register(string responseJson, byte[]? challenge)
    {
        using var document = JsonDocument.Parse(responseJson, JsonLimits);
        var (credentialId, response) = ReadCredential(document.RootElement);
        var clientDataJson = Bytes(response, "clientDataJSON");
        // §7.1 steps 5-10: clientDataJSON type, challenge, origin, crossOrigin.
        CheckClientData(clientDataJson, "webauthn.create", challenge);

        // §7.1 step 12: decode the attestation object (fmt, attStmt, authData).
        var attestation = AttestationObject.Parse(Bytes(response, "attestationObject"));
        var authData = attestation.AuthenticatorData;
        CheckFlags(authData); // §7.1 steps 13-17
        var attested = authData.AttestedCredentialData!;
        if (!attested.CredentialId.Span.SequenceEqual(credentialId))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The credential id in the authenticator data is not the response's rawId.");
        }

        // §7.1 step 20: the key's algorithm is one of pubKeyCredParams.
        if (attested.CredentialPublicKey.Algorithm is not (CoseAlgorithm.ES256 or CoseAlgorithm.RS256))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAlgorithmNotAllowed, $"The credential uses {attested.CredentialPublicKey.Algorithm}; the options allowed ES256 and RS256.");
        }

        // §7.1 step 21: attestation "none" was requested; §8.7 none format has an empty attStmt.
        if (attestation.Format != "none")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationFormatUnsupported, $"Attestation format '{attestation.Format}' is not accepted by this test relying party (it asks for 'none').");
        }

        var id = Base64Url.EncodeToString(credentialId);
        lock (_gate)
        {
            // §7.1 step 26: the credential id is not registered yet.
            if (!_credentials.TryAdd(id, new StoredCredential(attested.CredentialPublicKey, authData.SignCount)))
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnCredentialExists, "This credential id is already registered.");
            }
        }

        return new CeremonyOutcome(true, ReasonCodes.WebAuthnVerified, "Registered.", id, authData.SignCount, authData.UserVerified);
    }

    private CeremonyOutcome Authenticate(string responseJson, byte[]? challenge)
    {
        using var document = JsonDocument.Parse(responseJson, JsonLimits);
        var (credentialId, response) = ReadCredential(document.RootElement);
        var id = Base64Url.EncodeToString(credentialId);
        StoredCredential? stored;
        lock (_gate)
        {
            _credentials.TryGetValue(id, out stored);
        }

        // §7.2 step 6: the credential is registered and userHandle, when present (always for a discoverable credential
        // found without allowCredentials), names its owner.
        if (stored is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUnknownCredential, "The assertion names a credential that is not registered.");
        }

        if (response.TryGetProperty("userHandle", out var userHandle) && userHandle.ValueKind != JsonValueKind.Null &&
            (userHandle.ValueKind != JsonValueKind.String || !Base64Url.DecodeFromChars(userHandle.GetString()).AsSpan().SequenceEqual(_userHandle)))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCredentialNotAllowed, "The assertion's userHandle is not the credential owner's.");
        }

        var clientDataJson = Bytes(response, "clientDataJSON");
        CheckClientData(clientDataJson, "webauthn.get", challenge); // §7.2 steps 10-14
        var rawAuthData = Bytes(response, "authenticatorData");
        var authData = AuthenticatorData.Parse(rawAuthData);
        CheckFlags(authData); // §7.2 steps 15-18

        // §7.2 steps 19-21: signature over authenticatorData || SHA-256(clientDataJSON) with the stored key.
        var signed = new byte[rawAuthData.Length + 32];
        rawAuthData.CopyTo(signed, 0);
        SHA256.HashData(clientDataJson, signed.AsSpan(rawAuthData.Length));
        if (!stored.Key.Verify(signed, Bytes(response, "signature")))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBadSignature, "The assertion signature does not verify with the registered public key.");
        }

        lock (_gate)
        {
            // §7.2 step 22: a non-zero counter must grow.
            var previous = _credentials[id].SignCount;
            if ((authData.SignCount != 0 || previous != 0) && authData.SignCount <= previous)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnCounterRegression, $"The signature counter went from {previous} to {authData.SignCount}: the authenticator may be cloned.");
            }

            _credentials[id] = stored with { SignCount = authData.SignCount };
        }

        return new CeremonyOutcome(true, ReasonCodes.WebAuthnVerified, "Signed in.", id, authData.SignCount, authData.UserVerified);
    }

    private static (byte[] CredentialId, JsonElement Response) ReadCredential(JsonElement root)
    {
        // §5.1 RegistrationResponseJSON / AuthenticationResponseJSON: { id, rawId, type, response, ... }.
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The credential JSON is not an object with a 'response' object.");
        }

        if (Text(root, "type") != "public-key")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnWrongType, "The credential type is not 'public-key'.");
        }

        var rawId = Bytes(root, "rawId");
        if (Text(root, "id") != Base64Url.EncodeToString(rawId))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The credential 'id' is not the base64url form of 'rawId'.");
        }

        return (rawId, response);
    }

    private void CheckClientData(byte[] clientDataJson, string expectedType, byte[]? challenge)
    {
        using var clientData = JsonDocument.Parse(clientDataJson, JsonLimits);
        var root = clientData.RootElement;
        if (Text(root, "type") != expectedType)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnWrongType, $"clientDataJSON.type is '{Text(root, "type")}', expected '{expectedType}'.");
        }

        if (challenge is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeUnknown, "No challenge is pending (never issued or already used): start the ceremony again.");
        }

        if (!Base64Url.DecodeFromChars(Text(root, "challenge")).AsSpan().SequenceEqual(challenge))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnChallengeMismatch, "clientDataJSON.challenge is not the challenge this server issued.");
        }

        if (Text(root, "origin") != _origin)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnOriginNotAllowed, $"clientDataJSON.origin '{Text(root, "origin")}' is not '{_origin}'.");
        }

        if (root.TryGetProperty("crossOrigin", out var crossOrigin) && crossOrigin.ValueKind == JsonValueKind.True)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnCrossOriginNotAllowed, "The ceremony ran in a cross-origin frame.");
        }
    }

    private void CheckFlags(AuthenticatorData authData)
    {
        if (!authData.RpIdHash.SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes(_rpId))))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnRpIdMismatch, $"The authenticator data's rpIdHash is not SHA-256 of '{_rpId}'.");
        }

        if (!authData.UserPresent)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUserNotPresent, "The authenticator did not report user presence (UP flag clear).");
        }

        if (_requireUserVerification && !authData.UserVerified)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUserVerificationRequired, "The policy requires user verification (PIN or biometrics) but the authenticator did not verify the user (UV flag clear).");
        }

        if (authData.BackedUp && !authData.BackupEligible)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnBackupFlagsInvalid, "The BS flag is set while BE is clear (WebAuthn §6.1.3).");
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Bytes(JsonElement element, string name) =>
        Text(element, name) is { } text
            ? Base64Url.DecodeFromChars(text)
            : throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"'{name}' is missing or not a base64url string.");

    private static CeremonyOutcome Guarded(Func<CeremonyOutcome> verify)
    {
        try
        {
            return verify();
        }
        catch (WebAuthnException ex)
        {
            return CeremonyOutcome.Refused(ex.ReasonCode, ex.Message);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return CeremonyOutcome.Refused(ReasonCodes.WebAuthnMalformed, $"The response is not well-formed: {ex.Message}");
        }
    }

    private sealed record StoredCredential(CoseKey Key, uint SignCount);
}
