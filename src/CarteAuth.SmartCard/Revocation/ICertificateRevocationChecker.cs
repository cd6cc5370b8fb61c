using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// Checks whether a certificate is revoked (CRL, OCSP…). Pluggable: <see cref="SmartCardCertificateValidator"/> calls
/// it after the chain is built (it builds chains with revocation checking off), once per validation; implementations
/// cache CRLs and OCSP answers themselves.
/// </summary>
public interface ICertificateRevocationChecker
{
    /// <summary>Checks the revocation status of <paramref name="certificate"/>, issued by <paramref name="issuer"/>.</summary>
    /// <param name="certificate">The certificate to check (a card certificate).</param>
    /// <param name="issuer">Its issuing CA, as found when the chain was built.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default);
}

/// <summary>What a revocation check found.</summary>
public enum RevocationStatus
{
    /// <summary>Not revoked, according to current revocation data.</summary>
    Good = 0,

    /// <summary>Revoked.</summary>
    Revoked = 1,

    /// <summary>The revocation source does not know the certificate (e.g. OCSP "unknown").</summary>
    Unknown = 2,

    /// <summary>No usable revocation data (CRL or OCSP unreachable, stale or invalid).</summary>
    Unavailable = 3,
}

/// <summary>The outcome of a revocation check.</summary>
/// <param name="Status">What the check found.</param>
/// <param name="ReasonCode">
/// A stable reason code for anything but <see cref="RevocationStatus.Good"/> (e.g. <c>cert.revoked</c>,
/// <c>cert.revocation-unavailable</c>); null when good.
/// </param>
/// <param name="Message">What was checked and found, actionable (which CRL or responder, why it is unusable).</param>
/// <param name="Degraded">
/// True when the checker applied the documented bypass ("débrayage"): revocation could not be confirmed
/// (<see cref="RevocationStatus.Unknown"/> or <see cref="RevocationStatus.Unavailable"/>, or good only by stale data)
/// but its configuration allows accepting the certificate anyway. The validator then accepts it and marks its result
/// degraded (always audited). Never true with <see cref="RevocationStatus.Revoked"/>.
/// </param>
public sealed record RevocationCheckResult(RevocationStatus Status, string? ReasonCode, string Message, bool Degraded = false);
