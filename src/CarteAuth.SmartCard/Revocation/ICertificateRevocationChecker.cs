using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// Checks whether a certificate has been revoked by its issuer (CRL, OCSP or both). Pluggable:
/// <see cref="SmartCardCertificateValidator"/> calls it after building the chain (with the platform's revocation
/// checking off), once per validation; implementations cache CRLs and OCSP answers themselves.
/// </summary>
public interface ICertificateRevocationChecker
{
    /// <summary>Checks the revocation status of <paramref name="certificate"/>, issued by <paramref name="issuer"/>.</summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="issuer">The certificate of the CA that issued it.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The status, with a stable reason code and a message when it is not a plain good answer.</returns>
    ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default);
}
