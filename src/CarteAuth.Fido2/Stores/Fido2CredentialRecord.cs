using CarteAuth.Fido2.Attestation;
using CarteAuth.Identity;

namespace CarteAuth.Fido2.Stores;

/// <summary>
/// A registered WebAuthn credential: the "credential record" of WebAuthn L3 §4 (type, id, public key, sign count,
/// transports, UV at registration, BE, BS, attestation object facts) plus its owner, the professional it
/// authenticates. Immutable; stores return updated copies.
/// </summary>
public sealed record Fido2CredentialRecord
{
    /// <summary>The credential id (1 to 1023 bytes).</summary>
    public required byte[] Id { get; init; }

    /// <summary>The credential public key as a COSE_Key (as received).</summary>
    public required byte[] PublicKey { get; init; }

    /// <summary>The last signature counter seen (0 when the authenticator has none).</summary>
    public uint SignCount { get; init; }

    /// <summary>The authenticator model.</summary>
    public Guid Aaguid { get; init; }

    /// <summary>The transports reported at registration (hints for <c>allowCredentials</c>).</summary>
    public IReadOnlyList<string> Transports { get; init; } = [];

    /// <summary>BE: the credential can be backed up / synced (a passkey). Fixed at registration.</summary>
    public bool BackupEligible { get; init; }

    /// <summary>BS: the credential was backed up at its last use.</summary>
    public bool BackedUp { get; init; }

    /// <summary>The UV flag at registration.</summary>
    public bool UserVerifiedAtRegistration { get; init; }

    /// <summary>The attestation statement format (<c>none</c>, <c>packed</c>…).</summary>
    public string AttestationFormat { get; init; } = "none";

    /// <summary>The attestation type.</summary>
    public AttestationType AttestationType { get; init; } = AttestationType.None;

    /// <summary>True when the attestation chained to a trust anchor or an MDS root at registration.</summary>
    public bool AttestationTrusted { get; init; }

    /// <summary>The attestation trust path (x5c, DER, attestation certificate first); empty for none and self.</summary>
    public IReadOnlyList<byte[]> AttestationTrustPath { get; init; } = [];

    /// <summary>When the credential was registered.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last used to authenticate.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The professional the credential authenticates (idNat and names).</summary>
    public required ProfessionalIdentity Owner { get; init; }

    /// <summary>The WebAuthn user handle of the owner's account (at most 64 bytes).</summary>
    public required byte[] UserHandle { get; init; }

    /// <summary>The credential id, base64url.</summary>
    public string IdText => WebAuthnBase64Url.Encode(Id);
}
