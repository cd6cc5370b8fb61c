using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Metadata;

/// <summary>Authenticator status values of FIDO Metadata Service status reports (FIDO MDS 3.0 §3.1.4 AuthenticatorStatus).</summary>
public enum AuthenticatorStatus
{
    /// <summary>A status this version does not know; treated as neutral.</summary>
    Unknown,
    /// <summary>NOT_FIDO_CERTIFIED.</summary>
    NotFidoCertified,
    /// <summary>FIDO_CERTIFIED (and the FIDO_CERTIFIED_L* levels).</summary>
    FidoCertified,
    /// <summary>USER_VERIFICATION_BYPASS: malware can bypass user verification.</summary>
    UserVerificationBypass,
    /// <summary>ATTESTATION_KEY_COMPROMISE.</summary>
    AttestationKeyCompromise,
    /// <summary>USER_KEY_REMOTE_COMPROMISE.</summary>
    UserKeyRemoteCompromise,
    /// <summary>USER_KEY_PHYSICAL_COMPROMISE.</summary>
    UserKeyPhysicalCompromise,
    /// <summary>UPDATE_AVAILABLE.</summary>
    UpdateAvailable,
    /// <summary>REVOKED.</summary>
    Revoked,
    /// <summary>SELF_ASSERTION_SUBMITTED.</summary>
    SelfAssertionSubmitted,
}

/// <summary>One status report of a metadata entry.</summary>
/// <param name="Status">The status.</param>
/// <param name="EffectiveDate">When it took effect, if given.</param>
/// <param name="Certificate">For ATTESTATION_KEY_COMPROMISE: the compromised attestation certificate (DER), if given.</param>
public sealed record MetadataStatusReport(AuthenticatorStatus Status, DateOnly? EffectiveDate, byte[]? Certificate);

/// <summary>What the FIDO Metadata Service says about one authenticator model (FIDO MDS 3.0 metadata BLOB payload entry).</summary>
/// <param name="Aaguid">The model's AAGUID.</param>
/// <param name="Description">Its description.</param>
/// <param name="AttestationRootCertificates">Trust anchors for its attestation certificates.</param>
/// <param name="StatusReports">Status reports, oldest first as published.</param>
public sealed record MetadataEntry(Guid Aaguid, string Description, IReadOnlyList<X509Certificate2> AttestationRootCertificates, IReadOnlyList<MetadataStatusReport> StatusReports)
{
    /// <summary>
    /// True when the latest status says the model must not be trusted: REVOKED, USER_VERIFICATION_BYPASS,
    /// ATTESTATION_KEY_COMPROMISE (without a specific certificate), USER_KEY_REMOTE_COMPROMISE, USER_KEY_PHYSICAL_COMPROMISE.
    /// </summary>
    public bool IsCompromised { get; init; }

    /// <summary>The status of the latest status report (the current status, FIDO MDS 3.0 §3.1.1), or null when there is none.</summary>
    public AuthenticatorStatus? LatestStatus { get; init; }

    /// <summary>When the status last changed (<c>timeOfLastStatusChange</c>), if given.</summary>
    public DateOnly? TimeOfLastStatusChange { get; init; }

    /// <summary>
    /// For U2F authenticators (no AAGUID; <see cref="Aaguid"/> is then <see cref="Guid.Empty"/>): the lowercase hex
    /// SHA-1 key identifiers of their attestation certificates' public keys (<c>attestationCertificateKeyIdentifiers</c>).
    /// </summary>
    public IReadOnlyList<string> AttestationCertificateKeyIdentifiers { get; init; } = [];

    /// <summary>
    /// True when a status report ATTESTATION_KEY_COMPROMISE names this certificate (DER), i.e. this attestation
    /// certificate or root must no longer be trusted although the model as a whole may be.
    /// </summary>
    /// <param name="certificate">An attestation certificate or root, DER encoded.</param>
    public bool IsAttestationCertificateCompromised(ReadOnlySpan<byte> certificate)
    {
        foreach (var report in StatusReports)
        {
            if (report.Status == AuthenticatorStatus.AttestationKeyCompromise && report.Certificate is { } compromised && certificate.SequenceEqual(compromised))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Looks up authenticator models in a verified FIDO MDS3 BLOB.</summary>
public interface IFidoMetadataService
{
    /// <summary>The entry of <paramref name="aaguid"/>, or null when the BLOB has none.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMetadataUnavailable"/> or <see cref="ReasonCodes.WebAuthnMetadataInvalid"/> when no valid BLOB could be loaded.</exception>
    ValueTask<MetadataEntry?> GetEntryAsync(Guid aaguid, CancellationToken cancellationToken = default);
}
