using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Metadata;

namespace CarteAuth.Fido2.Attestation;

/// <summary>What the relying party requires of a registration's attestation (set per registration from options and policy).</summary>
/// <param name="RequireTrustedAttestation">
/// When true, only attestations whose trust path chains to a configured anchor or an MDS attestation root are accepted
/// (none and self attestation are refused with <see cref="ReasonCodes.WebAuthnAttestationRequired"/>).
/// </param>
/// <param name="AllowedAaguids">When not null, only these authenticator models are accepted (<see cref="ReasonCodes.WebAuthnAaguidNotAllowed"/>).</param>
/// <param name="AllowedFormats">When not null, only these attestation statement formats are accepted.</param>
public sealed record AttestationRequirement(bool RequireTrustedAttestation = false, IReadOnlySet<Guid>? AllowedAaguids = null, IReadOnlySet<string>? AllowedFormats = null)
{
    /// <summary>Accepts any valid attestation, trusted or not (the default for substantial-level passkeys).</summary>
    public static AttestationRequirement Any { get; } = new();
}

/// <summary>The outcome of attestation verification (WebAuthn L3 §7.1 steps 21-24).</summary>
/// <param name="Format">The attestation statement format.</param>
/// <param name="Type">The attestation type.</param>
/// <param name="TrustPath">The trust path (x5c), empty for none and self.</param>
/// <param name="Trusted">True when the trust path chains to a configured anchor or an MDS attestation root.</param>
/// <param name="Aaguid">The authenticator model.</param>
/// <param name="Metadata">The MDS entry of the model, when a metadata service is configured and knows it.</param>
public sealed record AttestationVerificationResult(string Format, AttestationType Type, IReadOnlyList<X509Certificate2> TrustPath, bool Trusted, Guid Aaguid, MetadataEntry? Metadata);

/// <summary>
/// Verifies a registration's attestation: the format's statement (§7.1 step 21, §8), the trust path against anchors and
/// the FIDO Metadata Service (§7.1 steps 22-23), MDS status reports and the <see cref="AttestationRequirement"/>.
/// Throws <see cref="WebAuthnException"/> with a <c>webauthn.attestation-*</c>, <c>webauthn.aaguid-not-allowed</c> or
/// <c>webauthn.authenticator-revoked</c> code when it is refused.
/// </summary>
public interface IAttestationVerifier
{
    /// <summary>Verifies <paramref name="attestation"/> for a client data hash, under <paramref name="requirement"/>.</summary>
    ValueTask<AttestationVerificationResult> VerifyAsync(AttestationObject attestation, ReadOnlyMemory<byte> clientDataHash, AttestationRequirement requirement, CancellationToken cancellationToken = default);
}
