using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>
/// Relying-party-wide attestation trust settings of <see cref="AttestationVerifier"/> (WebAuthn L3 §7.1 steps 21-24).
/// The per-registration <see cref="AttestationRequirement"/> can only tighten them.
/// </summary>
public sealed record AttestationTrustOptions
{
    /// <summary>
    /// Attestation root (or attestation) certificates the x5c trust paths may chain to, in addition to the
    /// <see cref="Metadata.MetadataEntry.AttestationRootCertificates"/> of the authenticator's MDS entry.
    /// </summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors { get; init; } = [];

    /// <summary>The formats accepted (default: the six of <see cref="AttestationFormats.All"/>). Others are refused with <see cref="ReasonCodes.WebAuthnAttestationFormatUnsupported"/>.</summary>
    public IReadOnlySet<string> AllowedFormats { get; init; } = AttestationFormats.All;

    /// <summary>
    /// When false, every registration must carry a trusted attestation, as if each <see cref="AttestationRequirement"/>
    /// had <see cref="AttestationRequirement.RequireTrustedAttestation"/> set. Default true (none, self and untrusted
    /// attestations are accepted and reported with <see cref="AttestationVerificationResult.Trusted"/> false).
    /// </summary>
    public bool AcceptUntrustedAttestation { get; init; } = true;

    /// <summary>When not null, only these authenticator models (AAGUIDs) are accepted, for every registration.</summary>
    public IReadOnlySet<Guid>? AllowedAaguids { get; init; }

    /// <summary>The clock certificate chains are validated at.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Policy of the android-key format (used by <see cref="AttestationVerifier.CreateDefault"/>).</summary>
    public AndroidKeyAttestationPolicy AndroidKey { get; init; } = new();

    /// <summary>Policy of the fido-u2f format (used by <see cref="AttestationVerifier.CreateDefault"/>).</summary>
    public FidoU2FAttestationPolicy FidoU2F { get; init; } = new();
}

/// <summary>How strictly the android-key KeyDescription authorization lists are read (WebAuthn L3 §8.4 step 5).</summary>
/// <param name="TeeEnforcedOnly">
/// Accept only keys from a trusted execution environment: use only the <c>teeEnforced</c> list for origin and purpose
/// (both then required), and require attestationSecurityLevel TrustedEnvironment or StrongBox. When false (default),
/// the union of <c>teeEnforced</c> and <c>softwareEnforced</c> is used, as the spec allows.
/// </param>
/// <param name="RequireOriginAndPurpose">
/// Refuse a KeyDescription whose (used) lists have no <c>origin</c> or no <c>purpose</c>. When false (default), a value
/// that is present must be KM_ORIGIN_GENERATED / include KM_PURPOSE_SIGN, and an absent one is accepted (the WebAuthn
/// L3 spec's own android-key test vector has empty authorization lists).
/// </param>
public sealed record AndroidKeyAttestationPolicy(bool TeeEnforcedOnly = false, bool RequireOriginAndPurpose = false);

/// <summary>fido-u2f policy (WebAuthn L3 §8.6).</summary>
/// <param name="RequireZeroAaguid">
/// Refuse authenticator data whose AAGUID is not all zeros. A U2F (CTAP1) authenticator has no AAGUID and clients
/// write zeros; the U2F signature does not cover the AAGUID, so a non-zero one is unattested. Default false because
/// the §8.6 verification procedure does not check it (and the spec's fido-u2f test vector has a non-zero AAGUID).
/// </param>
public sealed record FidoU2FAttestationPolicy(bool RequireZeroAaguid = false);
