using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>
/// A certificate and its issuer with the issuer link checked: the serial and CRL distribution points of the certificate,
/// the issuer parsed for BouncyCastle (once per CA) and its public key (once per CA).
/// </summary>
internal sealed class CertificatePair
{
    private const int MaxCachedPairs = 10_000;
    private const int MaxCachedIssuers = 256;

    // A pair depends only on the two certificates' bytes, so it is cached process-wide by their SHA-256 thumbprints:
    // repeated presentations of a card skip the signature check. Bounded: cleared when full.
    private static readonly ConcurrentDictionary<(string Certificate, string Issuer), CertificatePair> Pairs = new();

    // CA certificates are few and long-lived: parsed and their key imported once (importing an RSA key costs more than
    // verifying a signature with it). Keys are only used to verify, which the platform's RSA/ECDsa do concurrently.
    private static readonly ConcurrentDictionary<string, IssuerCa> Issuers = new(StringComparer.Ordinal);

    private CertificatePair(Org.BouncyCastle.Math.BigInteger serial, string serialHex, byte[]? crlDistributionPoints, BcCertificate issuer, string issuerKey)
    {
        SerialNumber = serial;
        SerialHex = serialHex;
        CrlDistributionPoints = crlDistributionPoints;
        Issuer = issuer;
        IssuerKey = issuerKey;
    }

    /// <summary>The certificate's serial number (as BouncyCastle reads DER INTEGERs: signed, big-endian).</summary>
    public Org.BouncyCastle.Math.BigInteger SerialNumber { get; }

    /// <summary>The serial number in hexadecimal, for messages and logs.</summary>
    public string SerialHex { get; }

    /// <summary>The DER value of the certificate's CRL distribution points extension, if any.</summary>
    public byte[]? CrlDistributionPoints { get; }

    /// <summary>The issuer, parsed for BouncyCastle.</summary>
    public BcCertificate Issuer { get; }

    /// <summary>A key naming the issuer (its certificate's SHA-256 thumbprint).</summary>
    public string IssuerKey { get; }

    /// <summary>Cache and degraded-mode key of the certificate: issuer and serial.</summary>
    public string CacheKey => IssuerKey + ":" + SerialHex;

    /// <summary>Forgets every checked pair and parsed issuer (benchmarks measuring first presentations).</summary>
    internal static void ClearCache()
    {
        Pairs.Clear();
        Issuers.Clear();
    }

    /// <summary>Checks that <paramref name="issuer"/> issued <paramref name="certificate"/> (name and signature); a typed failure otherwise.</summary>
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

        if (!Issuers.TryGetValue(issuerKey, out var ca))
        {
            if (Issuers.Count >= MaxCachedIssuers)
            {
                Issuers.Clear();
            }

            ca = Issuers.GetOrAdd(issuerKey, _ => IssuerCa.Create(issuer));
        }

        // RFC 5280 §6.1.3 (a)(4): the certificate's issuer name is the issuer's subject name. Identical DER is the
        // usual case; otherwise the names are compared as BouncyCastle does (§7.1 comparison rules).
        var sameName = certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData)
            || Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(certificate.IssuerName.RawData)).Equivalent(ca.Certificate.SubjectDN);
        if (!sameName)
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The certificate's issuer ({certificate.Issuer}) is not the subject of the issuer certificate given ({issuer.Subject}); pass the CA certificate that issued it.",
                ReasonCodes.CertRevocationWrongIssuer));
        }

        if (!IsSignedBy(certificate, ca))
        {
            return (null, RevocationCheckResult.Unavailable(
                $"The certificate is not signed by the key of the issuer certificate given ({issuer.Subject}, thumbprint {issuer.Thumbprint}): another CA has the same name; pass the CA certificate that issued it.",
                ReasonCodes.CertRevocationWrongIssuer));
        }

        var serial = new Org.BouncyCastle.Math.BigInteger(certificate.SerialNumberBytes.ToArray());
        var pair = new CertificatePair(serial, certificate.SerialNumber, certificate.Extensions["2.5.29.31"]?.RawData, ca.Certificate, issuerKey);
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
    private static bool IsSignedBy(X509Certificate2 certificate, IssuerCa issuer)
    {
        try
        {
            // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
            var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = reader.ReadEncodedValue();
            var outerAlgorithm = reader.PeekEncodedValue();
            var algorithm = reader.ReadSequence().ReadObjectIdentifier();
            var signature = reader.ReadBitString(out _);

            // RFC 5280 §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field
            // in the sequence tbsCertificate" (§4.1.2.3). TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, … }
            var tbsReader = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
            if (tbsReader.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbsReader.ReadEncodedValue();
            }

            tbsReader.ReadEncodedValue(); // serialNumber
            if (!tbsReader.ReadEncodedValue().Span.SequenceEqual(outerAlgorithm.Span))
            {
                return false;
            }

            HashAlgorithmName? hash = algorithm switch
            {
                "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                _ => null,
            };
            if (hash is { } h && algorithm.StartsWith("1.2.840.113549", StringComparison.Ordinal) && issuer.Rsa is { } rsa)
            {
                return rsa.VerifyData(tbs.Span, signature, h, RSASignaturePadding.Pkcs1);
            }

            if (hash is { } e && algorithm.StartsWith("1.2.840.10045", StringComparison.Ordinal) && issuer.Ecdsa is { } ecdsa)
            {
                return ecdsa.VerifyData(tbs.Span, signature, e, DSASignatureFormat.Rfc3279DerSequence);
            }

            new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(certificate.RawData).Verify(issuer.Certificate.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A CA certificate parsed once: for BouncyCastle (CRL and OCSP) and its platform public key.</summary>
    private sealed record IssuerCa(BcCertificate Certificate, RSA? Rsa, ECDsa? Ecdsa)
    {
        public static IssuerCa Create(X509Certificate2 issuer) =>
            new(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(issuer.RawData), issuer.GetRSAPublicKey(), issuer.GetECDsaPublicKey());
    }
}

/// <summary>What every revocation checker is built from: its HTTP client, clock, logger and degraded-mode memory.</summary>
/// <param name="Http">The HTTP client (e.g. from IHttpClientFactory).</param>
/// <param name="Time">The clock.</param>
/// <param name="Logger">The logger.</param>
/// <param name="Degraded">The degraded-mode memory of last good answers.</param>
internal sealed record RevocationServices(HttpClient Http, TimeProvider Time, ILogger Logger, DegradedMode Degraded)
{
    /// <summary>Validates <paramref name="options"/> and applies the defaults (system clock, no logging).</summary>
    /// <exception cref="CarteAuthException">The options are invalid (<see cref="ReasonCodes.CertRevocationInvalidOptions"/>).</exception>
    public static RevocationServices Create(HttpClient httpClient, RevocationCheckerOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var log = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        return new RevocationServices(httpClient, time, log, new DegradedMode(options, time, log));
    }

    /// <summary>The checked certificate/issuer pair, or the reported failure when the issuer did not issue the certificate.</summary>
    public bool TryPair(X509Certificate2 certificate, X509Certificate2 issuer, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CertificatePair? pair, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out RevocationCheckResult? failure)
    {
        (pair, var refused) = CertificatePair.Create(certificate, issuer);
        failure = pair is null ? SmartCardLog.Report(Logger, certificate.SerialNumber, refused!) : null;
        return pair is not null;
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

        SmartCardLog.DegradedAccept(logger, serial, lastGood, failure.ReasonCode, failure.Message);
        return RevocationCheckResult.DegradedGood(
            $"Accepted in degraded mode on the good answer of {lastGood:u} (valid until {lastGood + options.DegradedModeDuration:u}) because: [{failure.ReasonCode}] {failure.Message} Restore access to the revocation source; this acceptance must be audited.");
    }
}
