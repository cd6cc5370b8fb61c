using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// Checks revocation against the issuer's CRL (RFC 5280 §5), downloaded over HTTP from the certificate's CRL
/// distribution point or <see cref="CrlRevocationOptions.CrlUrl"/>, verified with the issuer's key, checked for
/// freshness and cached per distribution point until its nextUpdate (at most <see cref="RevocationCheckerOptions.MaxCacheDuration"/>).
/// </summary>
public sealed class CrlRevocationChecker : ICertificateRevocationChecker
{
    private const string CrlNumberOid = "2.5.29.20";
    private const string IssuingDistributionPointOid = "2.5.29.28";
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    private readonly CrlRevocationOptions _options;
    private readonly RevocationServices _services;
    private readonly ConcurrentDictionary<string, CachedCrl> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _downloads = new(StringComparer.Ordinal);

    /// <summary>Creates the checker.</summary>
    /// <param name="httpClient">The client used to download CRLs (e.g. from IHttpClientFactory).</param>
    /// <param name="options">Options; defaults when null. Validated here.</param>
    /// <param name="timeProvider">The clock; the system clock when null.</param>
    /// <param name="logger">A logger; none when null.</param>
    /// <exception cref="CarteAuthException">The options are invalid (<see cref="ReasonCodes.CertRevocationInvalidOptions"/>).</exception>
    public CrlRevocationChecker(HttpClient httpClient, CrlRevocationOptions? options = null, TimeProvider? timeProvider = null, ILogger<CrlRevocationChecker>? logger = null)
    {
        _options = options ?? new CrlRevocationOptions();
        _services = RevocationServices.Create(httpClient, _options, timeProvider, logger);
    }

    /// <inheritdoc/>
    public async ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default)
    {
        if (!_services.TryPair(certificate, issuer, out var pair, out var failure))
        {
            return failure;
        }

        var url = _options.CrlUrl ?? DistributionPoint(pair.CrlDistributionPoints);
        if (url is null)
        {
            return SmartCardLog.Report(_services.Logger, pair.SerialHex, RevocationCheckResult.Unavailable(
                "The certificate has no HTTP CRL distribution point and no CrlUrl is configured: configure CrlRevocationOptions.CrlUrl (e.g. https://igc-sante.esante.gouv.fr/CRL/<CA>.crl) or use OCSP.",
                ReasonCodes.CertRevocationNoSource));
        }

        var (crl, fetched, crlFailure) = await GetCrlAsync(url, pair, cancellationToken).ConfigureAwait(false);
        if (crl is null)
        {
            return SmartCardLog.Report(_services.Logger, pair.SerialHex, _services.Degraded.Apply(pair.CacheKey, pair.SerialHex, crlFailure!));
        }

        // RFC 5280 §6.3.3 (i): if the serial number appears on the CRL, the certificate is revoked (a listed serial
        // stays revoked even on a CRL that is no longer fresh).
        var entry = crl.GetRevokedCertificate(pair.SerialNumber);
        if (entry is not null)
        {
            var at = Utc(entry.RevocationDate);
            SmartCardLog.Revoked(_services.Logger, pair.SerialHex, at, url.AbsoluteUri);
            return RevocationCheckResult.Revoked(at, $"The certificate {pair.SerialHex} is revoked since {at:u} according to the CRL {url}.");
        }

        var stale = Freshness(crl, url);
        if (stale is not null)
        {
            return SmartCardLog.Report(_services.Logger, pair.SerialHex, _services.Degraded.Apply(pair.CacheKey, pair.SerialHex, stale));
        }

        _services.Degraded.RecordGood(pair.CacheKey, fetched);
        SmartCardLog.Checked(_services.Logger, pair.SerialHex, url.AbsoluteUri, RevocationStatus.Good);
        return RevocationCheckResult.Good($"The certificate {pair.SerialHex} is not on the CRL {url} (thisUpdate {Utc(crl.ThisUpdate):u}).");
    }

    /// <summary>The first HTTP(S) fullName URI of the CRL distribution points extension (RFC 5280 §4.2.1.13).</summary>
    private static Uri? DistributionPoint(byte[]? extension)
    {
        if (extension is null)
        {
            return null;
        }

        var points = CrlDistPoint.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(extension));
        foreach (var point in points.GetDistributionPoints())
        {
            if (point.DistributionPointName is { Type: DistributionPointName.FullName } name)
            {
                foreach (var general in GeneralNames.GetInstance(name.Name).GetNames())
                {
                    if (general.TagNo == GeneralName.UniformResourceIdentifier
                        && Uri.TryCreate(general.Name.ToString(), UriKind.Absolute, out var uri)
                        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                    {
                        return uri;
                    }
                }
            }
        }

        return null;
    }

    private async Task<(X509Crl? Crl, DateTimeOffset Fetched, RevocationCheckResult? Failure)> GetCrlAsync(Uri url, CertificatePair pair, CancellationToken cancellationToken)
    {
        var key = url.AbsoluteUri + "|" + pair.IssuerKey;
        if (TryCached(key) is { } hit)
        {
            return (hit.Crl, hit.Fetched, null);
        }

        var gate = _downloads.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(key) is { } raced)
            {
                return (raced.Crl, raced.Fetched, null);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var (body, error) = await RevocationHttp.SendAsync(_services.Http, request, _options, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return (null, default, RevocationCheckResult.Unavailable($"The CRL could not be downloaded: {error} Check that the CRL server is reachable from this host (proxy, firewall)."));
            }

            var now = _services.Time.GetUtcNow();
            var (crl, failure) = Verify(body, url, pair);
            if (crl is null)
            {
                return (null, default, failure);
            }

            SmartCardLog.CrlDownloaded(_services.Logger, url, crl.GetRevokedCertificates()?.Count ?? 0, crl.NextUpdate is { } n ? Utc(n) : null);
            var until = now + _options.MaxCacheDuration;
            if (crl.NextUpdate is { } next && Utc(next) < until)
            {
                until = Utc(next);
            }

            _cache[key] = new CachedCrl(crl, now, until);
            return (crl, now, null);
        }
        finally
        {
            gate.Release();
        }
    }

    private CachedCrl? TryCached(string key) =>
        _cache.TryGetValue(key, out var cached) && _services.Time.GetUtcNow() < cached.Until ? cached : null;

    /// <summary>Parses the CRL and verifies it was issued and signed by the certificate's issuer (RFC 5280 §6.3.3 (b), (f), (g)).</summary>
    private static (X509Crl? Crl, RevocationCheckResult? Failure) Verify(byte[] body, Uri url, CertificatePair pair)
    {
        X509Crl? crl;
        try
        {
            crl = new X509CrlParser().ReadCrl(body);
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CrlException or Org.BouncyCastle.Asn1.Asn1Exception or IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            crl = null;
        }

        if (crl is null)
        {
            return (null, RevocationCheckResult.Unavailable($"The body downloaded from {url} is not a CRL (neither DER nor PEM X.509 CRL): check the URL (a proxy or captive portal may answer instead)."));
        }

        // §6.3.3 (b)(1): the CRL issuer must be the certificate issuer (no indirect CRLs here).
        if (!crl.IssuerDN.Equivalent(pair.Issuer.SubjectDN))
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The CRL {url} is issued by '{crl.IssuerDN}', not by the certificate's issuer '{pair.Issuer.SubjectDN}': the distribution point or CrlUrl points to another CA's CRL.",
                ReasonCodes.CertCrlBadSignature));
        }

        // §6.3.3 (f): the CRL signer must be allowed to sign CRLs (keyUsage cRLSign, RFC 5280 §4.2.1.3).
        var usage = pair.Issuer.GetKeyUsage();
        if (usage is not null && usage.Length > 6 && !usage[6])
        {
            return (null, RevocationCheckResult.Unavailable($"The issuer '{pair.Issuer.SubjectDN}' has no cRLSign key usage, so it cannot sign the CRL {url}.", ReasonCodes.CertCrlBadSignature));
        }

        // §6.3.3 (g): validate the signature on the complete CRL with the issuer's public key.
        try
        {
            crl.Verify(pair.Issuer.GetPublicKey());
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The CRL {url} bears the issuer's name but its signature does not verify with the issuer's key ({e.Message}): it is forged, corrupted or from another CA with the same name. Check the distribution point and the issuer certificate.",
                ReasonCodes.CertCrlBadSignature));
        }

        // RFC 5280 §5.2: a CRL with an unrecognised critical extension must not be used to determine status.
        foreach (var oid in crl.GetCriticalExtensionOids() ?? new HashSet<string>())
        {
            if (oid is not (CrlNumberOid or IssuingDistributionPointOid or AuthorityKeyIdentifierOid))
            {
                return (null, RevocationCheckResult.Unavailable($"The CRL {url} has the unsupported critical extension {oid} (RFC 5280 §5.2); it cannot be used."));
            }
        }

        // RFC 5280 §5.1.2.5: conforming CRL issuers MUST include nextUpdate.
        if (crl.NextUpdate is null)
        {
            return (null, RevocationCheckResult.Unavailable($"The CRL {url} has no nextUpdate (RFC 5280 §5.1.2.5 requires one): its freshness cannot be judged.", ReasonCodes.CertCrlStale));
        }

        return (crl, null);
    }

    /// <summary>RFC 5280 §5.1.2.4-5: thisUpdate not in the future, nextUpdate not passed (beyond the tolerance).</summary>
    private RevocationCheckResult? Freshness(X509Crl crl, Uri url)
    {
        var now = _services.Time.GetUtcNow();
        var thisUpdate = Utc(crl.ThisUpdate);
        if (thisUpdate > now + _options.ClockSkew)
        {
            return RevocationCheckResult.Unavailable(
                $"The CRL {url} starts at {thisUpdate:u}, after now ({now:u}) beyond the {_options.ClockSkew} clock skew: check this host's clock (NTP).",
                ReasonCodes.CertCrlStale);
        }

        var nextUpdate = Utc(crl.NextUpdate!.Value);
        if (now > nextUpdate + _options.NextUpdateTolerance)
        {
            return RevocationCheckResult.Unavailable(
                $"The CRL {url} is stale: its nextUpdate {nextUpdate:u} passed more than {_options.NextUpdateTolerance} ago (now {now:u}). The CA has not published a newer CRL or this host cannot get it; check the CRL server and this host's clock.",
                ReasonCodes.CertCrlStale);
        }

        return null;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc));

    private sealed record CachedCrl(X509Crl Crl, DateTimeOffset Fetched, DateTimeOffset Until);
}
