using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>A certificate and its issuer, parsed once for BouncyCastle, with the issuer link checked.</summary>
internal sealed class CertificatePair
{
    private CertificatePair(BcCertificate certificate, BcCertificate issuer, string serialHex, string issuerKey)
    {
        Certificate = certificate;
        Issuer = issuer;
        SerialHex = serialHex;
        IssuerKey = issuerKey;
    }

    public BcCertificate Certificate { get; }

    public BcCertificate Issuer { get; }

    public string SerialHex { get; }

    /// <summary>A key naming the issuer (its certificate's SHA-256 thumbprint).</summary>
    public string IssuerKey { get; }

    /// <summary>Cache and degraded-mode key of the certificate: issuer and serial.</summary>
    public string CacheKey => IssuerKey + ":" + SerialHex;

    private const int MaxCachedPairs = 10_000;

    // A pair depends only on the two certificates' bytes, so it is cached process-wide by their SHA-256 thumbprints:
    // repeated presentations of a card skip parsing and the signature check. Bounded: cleared when full.
    private static readonly ConcurrentDictionary<(string Certificate, string Issuer), CertificatePair> Pairs = new();

    /// <summary>Parses both certificates and checks that <paramref name="issuer"/> issued <paramref name="certificate"/>; a typed failure otherwise.</summary>
    public static (CertificatePair? Pair, RevocationCheckResult? Failure) Create(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var issuerKey = issuer.GetCertHashString(HashAlgorithmName.SHA256);
        var key = (certificate.GetCertHashString(HashAlgorithmName.SHA256), issuerKey);
        if (Pairs.TryGetValue(key, out var cached))
        {
            return (cached, null);
        }

        var parser = new Org.BouncyCastle.X509.X509CertificateParser();
        var bcCertificate = parser.ReadCertificate(certificate.RawData);
        var bcIssuer = parser.ReadCertificate(issuer.RawData);
        if (!bcCertificate.IssuerDN.Equivalent(bcIssuer.SubjectDN))
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The certificate's issuer ({certificate.Issuer}) is not the subject of the issuer certificate given ({issuer.Subject}); pass the CA certificate that issued it.",
                ReasonCodes.CertRevocationWrongIssuer));
        }

        if (!IsSignedBy(certificate, issuer, bcCertificate, bcIssuer))
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The certificate is not signed by the key of the issuer certificate given ({issuer.Subject}, thumbprint {issuer.Thumbprint}): another CA has the same name; pass the CA certificate that issued it.",
                ReasonCodes.CertRevocationWrongIssuer));
        }

        var pair = new CertificatePair(bcCertificate, bcIssuer, certificate.SerialNumber, issuerKey);
        if (Pairs.Count >= MaxCachedPairs)
        {
            Pairs.Clear();
        }

        Pairs[key] = pair;
        return (pair, null);
    }

    /// <summary>
    /// RFC 5280 §4.1.1.3: the certificate's signatureValue over its DER tbsCertificate, with the issuer's key. The
    /// usual IGC-Santé algorithms (sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384/512) are verified by the
    /// platform (about 20 µs); anything else by BouncyCastle, whose RSA key import alone costs milliseconds.
    /// </summary>
    private static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 issuer, BcCertificate bcCertificate, BcCertificate bcIssuer)
    {
        try
        {
            // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
            var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = reader.ReadEncodedValue();
            var algorithm = reader.ReadSequence().ReadObjectIdentifier();
            var signature = reader.ReadBitString(out _);
            HashAlgorithmName? hash = algorithm switch
            {
                "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                _ => null,
            };
            if (hash is { } h && algorithm.StartsWith("1.2.840.113549", StringComparison.Ordinal) && issuer.GetRSAPublicKey() is { } rsa)
            {
                using (rsa)
                {
                    return rsa.VerifyData(tbs.Span, signature, h, RSASignaturePadding.Pkcs1);
                }
            }

            if (hash is { } e && algorithm.StartsWith("1.2.840.10045", StringComparison.Ordinal) && issuer.GetECDsaPublicKey() is { } ecdsa)
            {
                using (ecdsa)
                {
                    return ecdsa.VerifyData(tbs.Span, signature, e, DSASignatureFormat.Rfc3279DerSequence);
                }
            }

            bcCertificate.Verify(bcIssuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>HTTP exchanges of the revocation checkers: time-limited, size-limited, every failure a message.</summary>
internal static class RevocationHttp
{
    /// <summary>Sends <paramref name="request"/>; the body, or why there is none.</summary>
    public static async Task<(byte[]? Body, string? Error)> SendAsync(HttpClient client, HttpRequestMessage request, RevocationCheckerOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        var what = $"{request.Method} {request.RequestUri}";
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{what} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            if (response.Content.Headers.ContentLength > options.MaxResponseBytes)
            {
                return (null, $"{what} answered {response.Content.Headers.ContentLength} bytes, more than the {options.MaxResponseBytes} allowed (MaxResponseBytes).");
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > options.MaxResponseBytes)
                    {
                        return (null, $"{what} answered more than the {options.MaxResponseBytes} bytes allowed (MaxResponseBytes).");
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.Length == 0 ? (null, $"{what} answered an empty body.") : (buffer.ToArray(), null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"{what} did not answer within {options.RequestTimeout.TotalSeconds:0.#} s (RequestTimeout).");
        }
        catch (HttpRequestException e)
        {
            return (null, $"{what} failed: {e.Message}");
        }
        catch (IOException e)
        {
            return (null, $"{what} failed while reading the answer: {e.Message}");
        }
    }
}

/// <summary>
/// The degraded mode ("débrayage") of a checker: remembers when each certificate last had a fresh good answer and,
/// when the policy allows it, turns a failure to obtain a fresh answer into an audited, time-limited acceptance.
/// </summary>
internal sealed class DegradedMode(RevocationCheckerOptions options, TimeProvider timeProvider, ILogger logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastGood = new(StringComparer.Ordinal);

    /// <summary>Records a fresh good answer obtained at <paramref name="at"/>.</summary>
    public void RecordGood(string key, DateTimeOffset at)
    {
        if (options.FailurePolicy != RevocationFailurePolicy.Degraded)
        {
            return;
        }

        if (_lastGood.Count >= options.MaxDegradedEntries && !_lastGood.ContainsKey(key))
        {
            var horizon = timeProvider.GetUtcNow() - options.DegradedModeDuration;
            foreach (var (k, v) in _lastGood)
            {
                if (v < horizon)
                {
                    _lastGood.TryRemove(k, out _);
                }
            }

            if (_lastGood.Count >= options.MaxDegradedEntries)
            {
                return; // full of live entries: this certificate simply gets no degraded-mode grace
            }
        }

        _lastGood[key] = at;
    }

    /// <summary>The failure as is, or a degraded acceptance when the policy and the last good answer allow it.</summary>
    public RevocationCheckResult Apply(string key, string serial, RevocationCheckResult failure)
    {
        if (failure.Status != RevocationStatus.Unavailable
            || options.FailurePolicy != RevocationFailurePolicy.Degraded
            || failure.ReasonCode is not (ReasonCodes.CertRevocationUnavailable or ReasonCodes.CertCrlStale or ReasonCodes.CertOcspStale))
        {
            return failure;
        }

        var now = timeProvider.GetUtcNow();
        if (!_lastGood.TryGetValue(key, out var lastGood) || now - lastGood > options.DegradedModeDuration)
        {
            var why = _lastGood.ContainsKey(key)
                ? $"its last good answer ({lastGood:u}) is older than the degraded mode allows ({options.DegradedModeDuration})"
                : "it has no earlier good answer";
            return RevocationCheckResult.Unavailable(failure.Message + $" Degraded mode cannot accept the certificate: {why}.", failure.ReasonCode);
        }

        RevocationLog.DegradedAccept(logger, serial, lastGood, failure.ReasonCode, failure.Message);
        return RevocationCheckResult.DegradedGood(
            $"Accepted in degraded mode on the good answer of {lastGood:u} (valid until {lastGood + options.DegradedModeDuration:u}) because: [{failure.ReasonCode}] {failure.Message} Restore access to the revocation source; this acceptance must be audited.");
    }
}
