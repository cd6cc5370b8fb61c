using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// Checks revocation with OCSP (RFC 6960): POSTs a request (SHA-1 CertID, nonce) to the certificate's AIA OCSP URL or
/// <see cref="OcspRevocationOptions.ResponderUrl"/>, verifies the response's signature (the issuer itself or a
/// responder it authorised), its nonce and its freshness, and caches good and revoked answers until their
/// nextUpdate (at most <see cref="RevocationCheckerOptions.MaxCacheDuration"/>).
/// </summary>
public sealed class OcspRevocationChecker : ICertificateRevocationChecker
{
    private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";

    private readonly OcspRevocationOptions _options;
    private readonly RevocationServices _services;
    private readonly ConcurrentDictionary<string, CachedAnswer> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the checker.</summary>
    /// <param name="httpClient">The client used to reach the responder (e.g. from IHttpClientFactory).</param>
    /// <param name="options">Options; defaults when null. Validated here.</param>
    /// <param name="timeProvider">The clock; the system clock when null.</param>
    /// <param name="logger">A logger; none when null.</param>
    /// <exception cref="CarteAuthException">The options are invalid (<see cref="ReasonCodes.CertRevocationInvalidOptions"/>).</exception>
    public OcspRevocationChecker(HttpClient httpClient, OcspRevocationOptions? options = null, TimeProvider? timeProvider = null, ILogger<OcspRevocationChecker>? logger = null)
    {
        _options = options ?? new OcspRevocationOptions();
        _services = RevocationServices.Create(httpClient, _options, timeProvider, logger);
    }

    /// <inheritdoc/>
    public async ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default)
    {
        if (!_services.TryPair(certificate, issuer, out var pair, out var failure))
        {
            return failure;
        }

        if (_cache.TryGetValue(pair.CacheKey, out var cached) && _services.Time.GetUtcNow() < cached.Until)
        {
            return cached.Result;
        }

        var url = _options.ResponderUrl ?? ResponderUrl(certificate);
        if (url is null)
        {
            return SmartCardLog.Report(_services.Logger, pair.SerialHex, RevocationCheckResult.Unavailable(
                "The certificate has no OCSP responder in its Authority Information Access and no ResponderUrl is configured: configure OcspRevocationOptions.ResponderUrl (e.g. http://ocsp.esante.gouv.fr) or use the CRL.",
                ReasonCodes.CertRevocationNoSource));
        }

        var result = await AskAsync(pair, url, cancellationToken).ConfigureAwait(false);
        return SmartCardLog.Report(_services.Logger, pair.SerialHex, result.Status == RevocationStatus.Unavailable ? _services.Degraded.Apply(pair.CacheKey, pair.SerialHex, result) : result);
    }

    private static Uri? ResponderUrl(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509AuthorityInformationAccessExtension aia)
            {
                foreach (var uri in aia.EnumerateOcspUris())
                {
                    if (Uri.TryCreate(uri, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
                    {
                        return url;
                    }
                }
            }
        }

        return null;
    }

    private async Task<RevocationCheckResult> AskAsync(CertificatePair pair, Uri url, CancellationToken cancellationToken)
    {
        // RFC 6960 §4.1.1: CertID = hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber. SHA-1, as openssl and
        // most responders expect by default (RFC 5019 §2.1.1).
        var id = new CertificateID(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1, DerNull.Instance), pair.Issuer, pair.SerialNumber);
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        byte[]? nonce = null;
        if (_options.UseNonce)
        {
            // RFC 6960 §4.4.1 and RFC 8954 §2.1: id-pkix-ocsp-nonce, extnValue an OCTET STRING of 32 random octets.
            nonce = RandomNumberGenerator.GetBytes(32);
            var extensions = new X509ExtensionsGenerator();
            extensions.AddExtension(OcspObjectIdentifiers.PkixOcspNonce, false, new DerOctetString(nonce));
            generator.SetRequestExtensions(extensions.Generate());
        }

        var requestBody = generator.Generate().GetEncoded();

        // RFC 6960 Appendix A.1: POST, Content-Type application/ocsp-request, the DER request as body.
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(requestBody) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/ocsp-response"));
        var (body, error) = await RevocationHttp.SendAsync(_services.Http, request, _options, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return RevocationCheckResult.Unavailable($"The OCSP responder could not be reached: {error} Check that it is reachable from this host (proxy, firewall).");
        }

        var received = _services.Time.GetUtcNow();
        var (answer, until) = Interpret(body, url, id, nonce, pair, received);
        if (answer.Status == RevocationStatus.Good)
        {
            _services.Degraded.RecordGood(pair.CacheKey, received);
        }

        if (until is { } expiry && answer.Status is RevocationStatus.Good or RevocationStatus.Revoked)
        {
            _cache[pair.CacheKey] = new CachedAnswer(answer, expiry);
        }

        if (answer.Status == RevocationStatus.Revoked)
        {
            SmartCardLog.Revoked(_services.Logger, pair.SerialHex, answer.RevokedAt, url.AbsoluteUri);
        }

        SmartCardLog.OcspAnswered(_services.Logger, pair.SerialHex, url, answer.Status);
        return answer;
    }

    private (RevocationCheckResult Result, DateTimeOffset? CacheUntil) Interpret(byte[] body, Uri url, CertificateID id, byte[]? nonce, CertificatePair pair, DateTimeOffset now)
    {
        OcspResp response;
        BasicOcspResp? basic;
        try
        {
            response = new OcspResp(body);

            // RFC 6960 §4.2.1: only "successful" carries a response; the others (malformedRequest, internalError,
            // tryLater, sigRequired, unauthorized) carry none.
            if (response.Status != OcspRespStatus.Successful)
            {
                return (RevocationCheckResult.Unavailable($"The OCSP responder {url} answered with status {StatusName(response.Status)} instead of successful (RFC 6960 §4.2.1)."), null);
            }

            basic = response.GetResponseObject() as BasicOcspResp;
        }
        catch (Exception e) when (e is IOException or Org.BouncyCastle.Asn1.Asn1Exception or ArgumentException or InvalidCastException or OcspException or InvalidOperationException)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP responder {url} answered something that is not an OCSP response ({e.GetType().Name}): check the URL (a proxy or captive portal may answer instead)."), null);
        }

        if (basic is null)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP responder {url} answered a response type other than id-pkix-ocsp-basic (RFC 6960 §4.2.1)."), null);
        }

        // RFC 6960 §4.2.2.2: the signer is the issuing CA itself or a responder certificate issued directly by it with
        // id-kp-OCSPSigning in its extended key usage.
        var signatureProblem = VerifySigner(basic, pair, now);
        if (signatureProblem is not null)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP response from {url} is not trustworthy: {signatureProblem}", ReasonCodes.CertOcspBadSignature), null);
        }

        // RFC 6960 §4.4.1 / RFC 8954 §2.1: the response nonce, when present, must be the request's.
        if (nonce is not null)
        {
            var echoed = basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce);
            if (echoed is null)
            {
                if (_options.RequireNonce)
                {
                    return (RevocationCheckResult.Unavailable($"The OCSP response from {url} carries no nonce and RequireNonce is set: the responder may be serving pre-produced answers.", ReasonCodes.CertOcspNonceMismatch), null);
                }
            }
            else if (!NonceMatches(echoed.GetOctets(), nonce))
            {
                return (RevocationCheckResult.Unavailable($"The OCSP response from {url} carries another request's nonce: it is replayed or misrouted (a caching proxy in between?).", ReasonCodes.CertOcspNonceMismatch), null);
            }
        }

        SingleResp? single = null;
        foreach (var candidate in basic.Responses)
        {
            if (candidate.GetCertID().Equals(id))
            {
                single = candidate;
                break;
            }
        }

        if (single is null)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP response from {url} does not answer for the certificate {pair.SerialHex} (no SingleResponse with its CertID)."), null);
        }

        // RFC 6960 §3.2 (4)-(6) and §4.2.2.1: thisUpdate sufficiently recent (not in the future), nextUpdate (when
        // present) not passed; and producedAt within the configured maximum age.
        var thisUpdate = Utc(single.ThisUpdate);
        var producedAt = Utc(basic.ProducedAt);
        if (thisUpdate > now + _options.ClockSkew || producedAt > now + _options.ClockSkew)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP response from {url} is dated in the future (thisUpdate {thisUpdate:u}, producedAt {producedAt:u}, now {now:u}) beyond the {_options.ClockSkew} clock skew: check this host's clock (NTP).", ReasonCodes.CertOcspStale), null);
        }

        DateTimeOffset? nextUpdate = single.NextUpdate is { } n ? Utc(n) : null;
        if (nextUpdate is { } next && now > next + _options.ClockSkew)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP response from {url} is stale: its nextUpdate {next:u} has passed (now {now:u}). The responder serves outdated answers.", ReasonCodes.CertOcspStale), null);
        }

        if (now - producedAt > _options.MaxResponseAge)
        {
            return (RevocationCheckResult.Unavailable($"The OCSP response from {url} was produced at {producedAt:u}, more than {_options.MaxResponseAge} ago (MaxResponseAge).", ReasonCodes.CertOcspStale), null);
        }

        // Cache until nextUpdate, at most MaxCacheDuration; no nextUpdate means newer information is always available
        // (RFC 6960 §4.2.2.1), so no caching.
        DateTimeOffset? until = nextUpdate is { } limit ? Min(limit, now + _options.MaxCacheDuration) : null;
        var status = single.GetCertStatus();
        if (status == CertificateStatus.Good)
        {
            return (RevocationCheckResult.Good($"The OCSP responder {url} says the certificate {pair.SerialHex} is good (thisUpdate {thisUpdate:u})."), until);
        }

        if (status is RevokedStatus revoked)
        {
            var at = Utc(revoked.RevocationTime);
            var reason = revoked.HasRevocationReason ? $" (reason {revoked.RevocationReason})" : "";
            return (RevocationCheckResult.Revoked(at, $"The OCSP responder {url} says the certificate {pair.SerialHex} is revoked since {at:u}{reason}."), until);
        }

        return (RevocationCheckResult.Unknown($"The OCSP responder {url} does not know the certificate {pair.SerialHex} (status unknown, RFC 6960 §2.2): it was not issued by this CA, or not yet published; refuse it or check it against the CRL."), null);
    }

    /// <summary>Null when the response is signed by the issuer or by a responder it authorised; why not otherwise.</summary>
    private static string? VerifySigner(BasicOcspResp basic, CertificatePair pair, DateTimeOffset now)
    {
        if (Verifies(basic, pair.Issuer))
        {
            return null;
        }

        var attached = basic.GetCerts() ?? [];
        foreach (var candidate in attached)
        {
            if (!Verifies(basic, candidate))
            {
                continue;
            }

            if (!candidate.IssuerDN.Equivalent(pair.Issuer.SubjectDN) || !IssuedBy(candidate, pair.Issuer))
            {
                return $"it is signed by '{candidate.SubjectDN}', which the certificate's issuer did not issue (RFC 6960 §4.2.2.2): the responder uses a signing certificate from another CA.";
            }

            var usages = candidate.GetExtendedKeyUsage();
            if (usages is null || !usages.Any(u => u.Id == OcspSigningOid))
            {
                return $"it is signed by '{candidate.SubjectDN}', which lacks id-kp-OCSPSigning in its extended key usage (RFC 6960 §4.2.2.2).";
            }

            var instant = now.UtcDateTime;
            if (instant < candidate.NotBefore || instant > candidate.NotAfter)
            {
                return $"its signing certificate '{candidate.SubjectDN}' is not valid now (valid {candidate.NotBefore:u} to {candidate.NotAfter:u}).";
            }

            // RFC 6960 §4.2.2.2.1: the responder certificate's own revocation is not checked here; IGC-Santé (and the
            // dev PKI) mark responder certificates id-pkix-ocsp-nocheck.
            return null;
        }

        return "its signature verifies neither with the issuer's key nor with any certificate it carries (RFC 6960 §4.2.2.2): forged or corrupted response, or a responder for another CA.";
    }

    private static bool Verifies(BasicOcspResp basic, BcCertificate signer)
    {
        try
        {
            return basic.Verify(signer.GetPublicKey());
        }
        catch (Exception e) when (e is OcspException or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool IssuedBy(BcCertificate certificate, BcCertificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>RFC 8954: extnValue holds an OCTET STRING of the nonce; older responders put the raw nonce.</summary>
    private static bool NonceMatches(byte[] extnValue, byte[] nonce)
    {
        try
        {
            if (Asn1Object.FromByteArray(extnValue) is Asn1OctetString inner && inner.GetOctets().AsSpan().SequenceEqual(nonce))
            {
                return true;
            }
        }
        catch (IOException)
        {
            // not DER: compare raw below
        }

        return extnValue.AsSpan().SequenceEqual(nonce);
    }

    private static string StatusName(int status) => status switch
    {
        OcspRespStatus.MalformedRequest => "malformedRequest",
        OcspRespStatus.InternalError => "internalError",
        OcspRespStatus.TryLater => "tryLater",
        OcspRespStatus.SigRequired => "sigRequired",
        OcspRespStatus.Unauthorized => "unauthorized",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc));

    private sealed record CachedAnswer(RevocationCheckResult Result, DateTimeOffset Until);
}
