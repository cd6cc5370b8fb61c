using System.Text.Json;
using System.Text.Json.Serialization;

namespace CarteAuth.Fido2.Json;

/// <summary>What <c>credential.toJSON()</c> gives after <c>navigator.credentials.create()</c> (WebAuthn L3 §5.1.8 <c>RegistrationResponseJSON</c>).</summary>
public sealed class RegistrationResponseJSON
{
    /// <summary>The credential id, base64url (equal to <see cref="RawId"/>).</summary>
    public required string Id { get; init; }

    /// <summary>The credential id, base64url.</summary>
    public required string RawId { get; init; }

    /// <summary>The authenticator's response.</summary>
    public required AuthenticatorAttestationResponseJSON Response { get; init; }

    /// <summary><c>platform</c> or <c>cross-platform</c>, when known.</summary>
    public string? AuthenticatorAttachment { get; init; }

    /// <summary>Client extension outputs.</summary>
    public required IReadOnlyDictionary<string, JsonElement> ClientExtensionResults { get; init; }

    /// <summary><c>public-key</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The JSON text.</summary>
    public string ToJson() => WebAuthnJson.Serialize(this);

    /// <summary>Parses the JSON text.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static RegistrationResponseJSON Parse(string json, int maxLength = WebAuthnJson.DefaultMaxLength) => WebAuthnJson.Deserialize<RegistrationResponseJSON>(json, maxLength);
}

/// <summary>The attestation response in JSON form (§5.2.1 <c>AuthenticatorAttestationResponseJSON</c>).</summary>
public sealed class AuthenticatorAttestationResponseJSON
{
    /// <summary>clientDataJSON, base64url.</summary>
    public required string ClientDataJSON { get; init; }

    /// <summary>The attestation object (CBOR), base64url.</summary>
    public required string AttestationObject { get; init; }

    /// <summary>The authenticator data, base64url (informative: the copy inside the attestation object is verified).</summary>
    public string? AuthenticatorData { get; init; }

    /// <summary>The transports the authenticator supports.</summary>
    public IReadOnlyList<string>? Transports { get; init; }

    /// <summary>The public key in SubjectPublicKeyInfo form, base64url (informative).</summary>
    public string? PublicKey { get; init; }

    /// <summary>The public key's COSE algorithm (informative).</summary>
    public long? PublicKeyAlgorithm { get; init; }
}

/// <summary>What <c>credential.toJSON()</c> gives after <c>navigator.credentials.get()</c> (WebAuthn L3 §5.1.9 <c>AuthenticationResponseJSON</c>).</summary>
[JsonConverter(typeof(AuthenticationResponseJsonConverter))]
public sealed class AuthenticationResponseJSON
{
    /// <summary>The credential id, base64url (equal to <see cref="RawId"/>).</summary>
    public required string Id { get; init; }

    /// <summary>The credential id, base64url.</summary>
    public required string RawId { get; init; }

    /// <summary>The authenticator's response.</summary>
    public required AuthenticatorAssertionResponseJSON Response { get; init; }

    /// <summary><c>platform</c> or <c>cross-platform</c>, when known.</summary>
    public string? AuthenticatorAttachment { get; init; }

    /// <summary>Client extension outputs.</summary>
    public required IReadOnlyDictionary<string, JsonElement> ClientExtensionResults { get; init; }

    /// <summary><c>public-key</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The JSON text.</summary>
    public string ToJson() => WebAuthnJson.Serialize(this);

    /// <summary>Parses the JSON text.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static AuthenticationResponseJSON Parse(string json, int maxLength = WebAuthnJson.DefaultMaxLength) => WebAuthnJson.Deserialize<AuthenticationResponseJSON>(json, maxLength);
}

/// <summary>The assertion response in JSON form (§5.2.2 <c>AuthenticatorAssertionResponseJSON</c>).</summary>
public sealed class AuthenticatorAssertionResponseJSON
{
    /// <summary>clientDataJSON, base64url.</summary>
    public required string ClientDataJSON { get; init; }

    /// <summary>The authenticator data, base64url.</summary>
    public required string AuthenticatorData { get; init; }

    /// <summary>The signature, base64url.</summary>
    public required string Signature { get; init; }

    /// <summary>The user handle, base64url (present for discoverable credentials).</summary>
    public string? UserHandle { get; init; }
}
