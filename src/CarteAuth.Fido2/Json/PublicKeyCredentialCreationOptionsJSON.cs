using System.Text.Json;

namespace CarteAuth.Fido2.Json;

/// <summary>
/// The registration options the server sends (WebAuthn L3 §5.1.8 <c>PublicKeyCredentialCreationOptionsJSON</c>), to be
/// given to <c>PublicKeyCredential.parseCreationOptionsFromJSON()</c> in the browser. Binary members are base64url.
/// </summary>
public sealed class PublicKeyCredentialCreationOptionsJSON
{
    /// <summary>The relying party.</summary>
    public required PublicKeyCredentialRpEntity Rp { get; init; }

    /// <summary>The user account.</summary>
    public required PublicKeyCredentialUserEntityJSON User { get; init; }

    /// <summary>The challenge (base64url of 32 random bytes).</summary>
    public required string Challenge { get; init; }

    /// <summary>The accepted key types and algorithms, in order of preference.</summary>
    public required IReadOnlyList<PublicKeyCredentialParameters> PubKeyCredParams { get; init; }

    /// <summary>The timeout hint, in milliseconds.</summary>
    public uint? Timeout { get; init; }

    /// <summary>The user's existing credentials, so the authenticator does not create a second one.</summary>
    public IReadOnlyList<PublicKeyCredentialDescriptorJSON>? ExcludeCredentials { get; init; }

    /// <summary>Authenticator selection criteria.</summary>
    public AuthenticatorSelectionCriteria? AuthenticatorSelection { get; init; }

    /// <summary>UI hints (<c>security-key</c>, <c>client-device</c>, <c>hybrid</c>).</summary>
    public IReadOnlyList<string>? Hints { get; init; }

    /// <summary>Attestation conveyance: <c>none</c>, <c>indirect</c>, <c>direct</c>, <c>enterprise</c>.</summary>
    public string? Attestation { get; init; }

    /// <summary>Preferred attestation statement formats.</summary>
    public IReadOnlyList<string>? AttestationFormats { get; init; }

    /// <summary>Client extension inputs.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }

    /// <summary>The JSON text.</summary>
    public string ToJson() => WebAuthnJson.Serialize(this);

    /// <summary>Parses the JSON text.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static PublicKeyCredentialCreationOptionsJSON Parse(string json) => WebAuthnJson.Deserialize<PublicKeyCredentialCreationOptionsJSON>(json);
}

/// <summary>The assertion options the server sends (WebAuthn L3 §5.1.9 <c>PublicKeyCredentialRequestOptionsJSON</c>).</summary>
public sealed class PublicKeyCredentialRequestOptionsJSON
{
    /// <summary>The challenge (base64url of 32 random bytes).</summary>
    public required string Challenge { get; init; }

    /// <summary>The timeout hint, in milliseconds.</summary>
    public uint? Timeout { get; init; }

    /// <summary>The RP ID.</summary>
    public string? RpId { get; init; }

    /// <summary>The credentials allowed (empty or absent: discoverable credentials).</summary>
    public IReadOnlyList<PublicKeyCredentialDescriptorJSON>? AllowCredentials { get; init; }

    /// <summary>User verification: <c>required</c>, <c>preferred</c>, <c>discouraged</c>.</summary>
    public string? UserVerification { get; init; }

    /// <summary>UI hints.</summary>
    public IReadOnlyList<string>? Hints { get; init; }

    /// <summary>Client extension inputs.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }

    /// <summary>The JSON text.</summary>
    public string ToJson() => WebAuthnJson.Serialize(this);

    /// <summary>Parses the JSON text.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static PublicKeyCredentialRequestOptionsJSON Parse(string json) => WebAuthnJson.Deserialize<PublicKeyCredentialRequestOptionsJSON>(json);
}

/// <summary>The relying party entity (§5.4.2).</summary>
public sealed class PublicKeyCredentialRpEntity
{
    /// <summary>The RP name.</summary>
    public required string Name { get; init; }

    /// <summary>The RP ID.</summary>
    public string? Id { get; init; }
}

/// <summary>The user entity in JSON form (§5.4.3; <c>id</c> is the base64url user handle).</summary>
public sealed class PublicKeyCredentialUserEntityJSON
{
    /// <summary>The user handle, base64url (at most 64 bytes, no personal data).</summary>
    public required string Id { get; init; }

    /// <summary>The account name (e.g. the idNat).</summary>
    public required string Name { get; init; }

    /// <summary>The name to display.</summary>
    public required string DisplayName { get; init; }
}

/// <summary>A key type and algorithm (§5.3).</summary>
public sealed class PublicKeyCredentialParameters
{
    /// <summary><c>public-key</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The COSE algorithm identifier.</summary>
    public required long Alg { get; init; }
}

/// <summary>A credential reference in JSON form (§5.8.3).</summary>
public sealed class PublicKeyCredentialDescriptorJSON
{
    /// <summary><c>public-key</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The credential id, base64url.</summary>
    public required string Id { get; init; }

    /// <summary>Transport hints (<c>usb</c>, <c>nfc</c>, <c>ble</c>, <c>internal</c>, <c>hybrid</c>…).</summary>
    public IReadOnlyList<string>? Transports { get; init; }
}

/// <summary>Authenticator selection criteria (§5.4.4).</summary>
public sealed class AuthenticatorSelectionCriteria
{
    /// <summary><c>platform</c> or <c>cross-platform</c>.</summary>
    public string? AuthenticatorAttachment { get; init; }

    /// <summary><c>required</c>, <c>preferred</c> or <c>discouraged</c>.</summary>
    public string? ResidentKey { get; init; }

    /// <summary>Legacy: true when <see cref="ResidentKey"/> is <c>required</c>.</summary>
    public bool? RequireResidentKey { get; init; }

    /// <summary><c>required</c>, <c>preferred</c> or <c>discouraged</c>.</summary>
    public string? UserVerification { get; init; }
}
