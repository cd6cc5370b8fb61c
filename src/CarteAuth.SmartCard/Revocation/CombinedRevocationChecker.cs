using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// Asks a primary checker (typically OCSP) and, only when it cannot give a fresh answer
/// (<see cref="RevocationStatus.Unavailable"/> or a degraded acceptance), a fallback (typically the CRL). A definite
/// answer (good, revoked, unknown) of either wins; a degraded acceptance is returned only when neither has a definite
/// answer. OCSP <c>unknown</c> is not retried on the CRL: a certificate the CA does not know is not "good".
/// </summary>
public sealed class CombinedRevocationChecker : ICertificateRevocationChecker
{
    private readonly ICertificateRevocationChecker _primary;
    private readonly ICertificateRevocationChecker _fallback;
    private readonly ILogger _logger;

    /// <summary>Creates the checker.</summary>
    /// <param name="primary">Asked first (e.g. <see cref="OcspRevocationChecker"/>).</param>
    /// <param name="fallback">Asked when the primary has no fresh answer (e.g. <see cref="CrlRevocationChecker"/>).</param>
    /// <param name="logger">A logger; none when null.</param>
    public CombinedRevocationChecker(ICertificateRevocationChecker primary, ICertificateRevocationChecker fallback, ILogger<CombinedRevocationChecker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallback);
        _primary = primary;
        _fallback = fallback;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public async ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var first = await _primary.CheckAsync(certificate, issuer, cancellationToken).ConfigureAwait(false);
        if (IsDefinite(first) || first.ReasonCode == ReasonCodes.CertRevocationWrongIssuer)
        {
            return first;
        }

        SmartCardLog.FallingBack(_logger, certificate.SerialNumber, first.ReasonCode);
        var second = await _fallback.CheckAsync(certificate, issuer, cancellationToken).ConfigureAwait(false);
        if (IsDefinite(second))
        {
            return second;
        }

        if (first.Degraded)
        {
            return first;
        }

        if (second.Degraded)
        {
            return second;
        }

        var code = first.ReasonCode is ReasonCodes.CertRevocationUnavailable or ReasonCodes.CertRevocationNoSource && second.ReasonCode is not null
            ? second.ReasonCode
            : first.ReasonCode ?? ReasonCodes.CertRevocationUnavailable;
        return RevocationCheckResult.Unavailable($"Primary: [{first.ReasonCode}] {first.Message} Fallback: [{second.ReasonCode}] {second.Message}", code);
    }

    private static bool IsDefinite(RevocationCheckResult result) => result.Status != RevocationStatus.Unavailable && !result.Degraded;
}
