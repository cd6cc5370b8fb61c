using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Revocation;

namespace CarteAuth.SmartCard;

/// <summary>
/// Validates IGC-Santé card certificates (CPS, CPA/CPE) presented as TLS client certificates: validity period, chain
/// to the configured anchors only, issuing range, key usages, CPS/CPx subject, then revocation through a pluggable
/// <see cref="ICertificateRevocationChecker"/>. Thread-safe; keep one instance (it caches built chains).
/// </summary>
public sealed class SmartCardCertificateValidator
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    private readonly SmartCardOptions _options;
    private readonly ICertificateRevocationChecker? _revocation;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();
    private readonly IssuerPaths _issuerPaths;
    private volatile TrustState _trust;
    private int _chainBuilds;

    /// <summary>Creates a validator; loads the anchor and intermediate files at once.</summary>
    /// <param name="options">Trust anchors, ranges, skew and cache settings.</param>
    /// <param name="revocationChecker">Checks revocation (CRL, OCSP); when null, revocation is not checked and results say so.</param>
    /// <param name="timeProvider">The clock; default the system clock.</param>
    /// <exception cref="CarteAuthException"><c>cert.invalid-options</c>: no anchor, an unreadable file, or an out-of-range setting.</exception>
    public SmartCardCertificateValidator(SmartCardOptions options, ICertificateRevocationChecker? revocationChecker = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            throw new CarteAuthException(ReasonCodes.CertInvalidOptions, $"SmartCardOptions.ClockSkew is {options.ClockSkew}; use a value from 00:00:00 to 01:00:00 (default 00:05:00).");
        }

        if (options.ChainCacheDuration < TimeSpan.Zero || options.ChainCacheCapacity < 1 || options.IssuerPathCacheDuration < TimeSpan.Zero)
        {
            throw new CarteAuthException(ReasonCodes.CertInvalidOptions, $"SmartCardOptions.ChainCacheDuration ({options.ChainCacheDuration}) and IssuerPathCacheDuration ({options.IssuerPathCacheDuration}) must not be negative and ChainCacheCapacity ({options.ChainCacheCapacity}) must be at least 1.");
        }

        if (options.AllowedRanges.Count == 0)
        {
            throw new CarteAuthException(ReasonCodes.CertInvalidOptions, "SmartCardOptions.AllowedRanges is empty: every certificate would be refused. Allow at least FORT (CPS/CPx cards).");
        }

        _options = options;
        _revocation = revocationChecker;
        _time = timeProvider ?? TimeProvider.System;
        _trust = LoadTrust(options, 1);
        _issuerPaths = new IssuerPaths(options.IssuerPathCacheDuration, (ca, time) => NewChain(_trust, null, time));
    }

    /// <summary>The generation of the trust configuration: starts at 1, increases at each <see cref="ReloadTrust"/>. Cached chains of older generations are not reused.</summary>
    public long TrustGeneration => _trust.Generation;

    /// <summary>True when a revocation checker is configured.</summary>
    public bool ChecksRevocation => _revocation is not null;

    /// <summary>How many chains were built (not served from the cache), for tests and diagnostics.</summary>
    internal int ChainBuilds => Volatile.Read(ref _chainBuilds);

    /// <summary>How many certificates were validated by extending a known issuing-CA path (no full chain build).</summary>
    internal int IssuerPathExtensions => _issuerPaths.Extended;

    /// <summary>Reads the anchor and intermediate files again (after a rotation) and starts a new trust generation.</summary>
    /// <exception cref="CarteAuthException"><c>cert.invalid-options</c>: a file became unreadable; the previous trust stays in force.</exception>
    public void ReloadTrust()
    {
        var current = _trust;
        _trust = LoadTrust(_options, current.Generation + 1);
        _issuerPaths.Clear();
        lock (_cacheLock)
        {
            _cache.Clear();
        }
    }

    /// <summary>Validates a card certificate.</summary>
    /// <param name="certificate">The client certificate.</param>
    /// <param name="additionalCertificates">Extra certificates the client or proxy sent to help build the chain (never trusted as anchors).</param>
    /// <param name="cancellationToken">Cancels the revocation check.</param>
    public async ValueTask<CertificateValidationResult> ValidateAsync(
        X509Certificate2 certificate,
        X509Certificate2Collection? additionalCertificates = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var now = _time.GetUtcNow();
        CpsCertificate.TryRead(certificate, out var info, out var subjectCode, out var subjectMessage);

        // RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time" (§4.1.2.5), with a tolerated skew.
        if (!CpsCertificate.TryReadValidity(certificate, out var notBefore, out var notAfter, out var validityProblem))
        {
            return CertificateValidationResult.Refused(ReasonCodes.CertUnreadable, validityProblem, info);
        }

        if (now - _options.ClockSkew > notAfter)
        {
            return CertificateValidationResult.Refused(ReasonCodes.CertExpired, $"The certificate expired on {notAfter:u} (now {now:u}, clock skew {_options.ClockSkew}). The card must be renewed; if it is not expired, check this server's clock.", info);
        }

        if (now + _options.ClockSkew < notBefore)
        {
            return CertificateValidationResult.Refused(ReasonCodes.CertNotYetValid, $"The certificate is valid only from {notBefore:u} (now {now:u}, clock skew {_options.ClockSkew}). Check this server's clock (NTP).", info);
        }

        // Within the skew but outside the period: verify the chain at the nearest instant inside the leaf's period
        // (one second in: the bounds themselves are not inside for every platform's chain engine).
        var verificationTime = now <= notBefore ? notBefore.AddSeconds(1) : now >= notAfter ? notAfter.AddSeconds(-1) : now;
        var trust = _trust;
        var chain = GetChain(certificate, additionalCertificates, trust, verificationTime, now);
        if (chain.ReasonCode is not null)
        {
            return CertificateValidationResult.Refused(chain.ReasonCode, chain.Message!, info);
        }

        // The range is read from the CA that issued the certificate in the validated chain.
        if (chain.Range is not { } range || !_options.AllowedRanges.Contains(range))
        {
            var allowed = string.Join(", ", _options.AllowedRanges.Order().Select(r => r.ToString().ToUpperInvariant()));
            var what = chain.Range is { } r ? $"range {r.ToString().ToUpperInvariant()}" : "not an IGC-Santé range (expected 'AC IGC-SANTE {ELEMENTAIRE|STANDARD|FORT} {PERSONNES|ORGANISATIONS}')";
            return CertificateValidationResult.Refused(ReasonCodes.CertUnknownRange, $"The certificate's issuing CA '{Printable.Of(chain.IssuerCommonName)}' is {what}; allowed: {allowed}. Add the range to SmartCardOptions.AllowedRanges if it is intended.", info, chain.Range);
        }

        // RFC 5280 §4.2.1.12: "If the extension is present, then the certificate MUST only be used for one of the
        // purposes indicated." Card authentication certificates carry id-kp-clientAuth; a certificate without the
        // extension is refused too (a CPS signature certificate is not for TLS client authentication).
        if (!CpsCertificate.HasClientAuth(certificate))
        {
            return CertificateValidationResult.Refused(ReasonCodes.CertMissingClientAuth, "The certificate has no clientAuth extended key usage (1.3.6.1.5.5.7.3.2): it is not a card authentication certificate. Present the card's authentication certificate.", info, range);
        }

        // RFC 5280 §4.2.1.3: digitalSignature is asserted "when the subject public key is used for verifying digital
        // signatures, other than signatures on certificates … and CRLs", as in a TLS client's CertificateVerify.
        if (!CpsCertificate.HasDigitalSignature(certificate))
        {
            return CertificateValidationResult.Refused(ReasonCodes.CertMissingDigitalSignature, "The certificate's key usage does not include digitalSignature, which TLS client authentication needs. Present the card's authentication certificate.", info, range);
        }

        if (info is null)
        {
            return CertificateValidationResult.Refused(subjectCode, subjectMessage, null, range);
        }

        RevocationCheckResult? revocation = null;
        if (_revocation is not null)
        {
            try
            {
                revocation = await _revocation.CheckAsync(certificate, chain.Issuer!, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return CertificateValidationResult.Refused(ReasonCodes.CertRevocationUnavailable, $"The revocation checker failed ({e.GetType().Name}: {e.Message}); the certificate is refused (fail closed).", info, range);
            }

            // The checker's own code says why (cert.crl-stale, cert.ocsp-bad-signature…); a degraded answer is a Good one.
            var refusal = revocation.IsAccepted ? null : revocation.ReasonCode ?? revocation.Status switch
            {
                RevocationStatus.Revoked => ReasonCodes.CertRevoked,
                RevocationStatus.Unknown => ReasonCodes.CertRevocationUnknown,
                _ => ReasonCodes.CertRevocationUnavailable,
            };
            if (refusal is not null)
            {
                var message = string.IsNullOrWhiteSpace(revocation.Message) ? $"Revocation check: {revocation.Status}." : revocation.Message;
                return CertificateValidationResult.Refused(refusal, message, info, range, revocation);
            }
        }

        return new CertificateValidationResult
        {
            Certificate = info,
            Range = range,
            Assurance = _options.RangeAssurance.TryGetValue(range, out var level) ? level : IgcSanteRanges.DefaultAssurance(range),
            IssuerCertificate = chain.Issuer,
            Revocation = revocation,
            ChainFromCache = chain.FromCache,
        };
    }

    private ChainOutcome GetChain(X509Certificate2 certificate, X509Certificate2Collection? extra, TrustState trust, DateTimeOffset verificationTime, DateTimeOffset now)
    {
        var key = CacheKey(certificate, extra, trust);
        if (_options.ChainCacheDuration > TimeSpan.Zero)
        {
            lock (_cacheLock)
            {
                if (_cache.TryGetValue(key, out var hit))
                {
                    if (hit.ExpiresAt > now)
                    {
                        return hit.Outcome with { FromCache = true };
                    }

                    _cache.Remove(key);
                }
            }
        }

        // A new card of a known issuing CA: extend the CA's validated path by one certificate (RFC 5280 §6.1.3); anything
        // that step does not handle goes to the platform chain engine.
        var outcome = _issuerPaths.TryExtend(certificate, trust.Anchors, trust.Intermediates, trust.Generation, verificationTime, now, out var knownIssuer)
            ? Accepted(knownIssuer!)
            : BuildChain(certificate, extra, trust, verificationTime);
        if (_options.ChainCacheDuration > TimeSpan.Zero)
        {
            lock (_cacheLock)
            {
                if (_cache.Count >= _options.ChainCacheCapacity)
                {
                    Evict(now);
                }

                _cache[key] = new CacheEntry(outcome, now + _options.ChainCacheDuration);
            }
        }

        return outcome;
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (k, v) in _cache.ToList())
        {
            if (v.ExpiresAt <= now)
            {
                _cache.Remove(k);
            }
        }

        while (_cache.Count >= _options.ChainCacheCapacity)
        {
            var oldest = _cache.MinBy(p => p.Value.ExpiresAt).Key;
            _cache.Remove(oldest);
        }
    }

    private static string CacheKey(X509Certificate2 certificate, X509Certificate2Collection? extra, TrustState trust)
    {
        var key = $"{trust.Generation}:{certificate.GetCertHashString(HashAlgorithmName.SHA256)}";
        if (extra is { Count: > 0 })
        {
            key += ":" + string.Join(',', extra.Select(c => c.GetCertHashString(HashAlgorithmName.SHA256)));
        }

        return key;
    }

    private ChainOutcome BuildChain(X509Certificate2 certificate, X509Certificate2Collection? extra, TrustState trust, DateTimeOffset verificationTime)
    {
        Interlocked.Increment(ref _chainBuilds);
        using var chain = NewChain(trust, extra, verificationTime);
        bool built;
        try
        {
            built = chain.Build(certificate);
        }
        catch (CryptographicException e)
        {
            // The platform chain engine (OpenSSL) fails on some malformed certificates instead of reporting a status.
            return ChainOutcome.Refused($"The certificate issued by '{Printable.Of(certificate.Issuer, 160)}' cannot be processed by the chain engine ({e.Message.TrimEnd('.')}); it is not a well-formed X.509 certificate.");
        }

        var elements = chain.ChainElements;
        if (!built)
        {
            var problems = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : $"{s.Status} ({s.StatusInformation.Trim()})")
                .Distinct(StringComparer.Ordinal);
            return ChainOutcome.Refused($"The certificate issued by '{Printable.Of(certificate.Issuer, 160)}' does not chain to a configured trust anchor: {string.Join("; ", problems)}. Configure the IGC-Santé root of its range as anchor and its issuing CA as intermediate.");
        }

        if (elements.Count < 2)
        {
            return ChainOutcome.Refused("The certificate is itself configured as a trust anchor; configure the IGC-Santé root CA instead, not card certificates.");
        }

        // A copy: the chain's element certificates are released with the chain, the cached outcome outlives it. The
        // copy constructor duplicates the platform handle (a reference, not a re-decode: decoding the DER again costs
        // more than building the chain on OpenSSL 3).
        return Accepted(new X509Certificate2(elements[1].Certificate));
    }

    /// <summary>The platform chain engine set up for card validation: configured anchors only, no network, at <paramref name="verificationTime"/>.</summary>
    private static X509Chain NewChain(TrustState trust, X509Certificate2Collection? extra, DateTimeOffset verificationTime)
    {
        var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        // RFC 5280 §6.1.1 (d): the trust anchors are an input of path validation; only the configured ones, never the OS store.
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trust.Anchors);
        policy.ExtraStore.AddRange(trust.Intermediates);
        if (extra is not null)
        {
            policy.ExtraStore.AddRange(extra);
        }

        // Revocation is a separate, pluggable step (ICertificateRevocationChecker); no network fetches here.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = verificationTime.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        return chain;
    }

    /// <summary>A validated chain whose certificate was issued by <paramref name="issuer"/>: the range is read from the issuer's name.</summary>
    private static ChainOutcome Accepted(X509Certificate2 issuer)
    {
        string? issuerCn;
        try
        {
            issuerCn = DistinguishedNames.Values(DistinguishedNames.Read(issuer.SubjectName), DistinguishedNames.CommonName).FirstOrDefault();
        }
        catch (CryptographicException)
        {
            issuerCn = null;
        }

        return new ChainOutcome(null, null, issuer, issuerCn, IgcSanteRanges.TryParseIssuerCommonName(issuerCn, out var range) ? range : null, false);
    }

    private static TrustState LoadTrust(SmartCardOptions options, long generation)
    {
        var anchors = new X509Certificate2Collection(options.TrustAnchors);
        var intermediates = new X509Certificate2Collection(options.Intermediates);
        foreach (var (paths, target, what) in new[] { (options.TrustAnchorPaths, anchors, "trust anchor"), (options.IntermediatePaths, intermediates, "intermediate") })
        {
            foreach (var path in paths)
            {
                try
                {
                    target.AddRange(CertificateFiles.LoadCertificates(path));
                }
                catch (CarteAuthException e)
                {
                    throw new CarteAuthException(ReasonCodes.CertInvalidOptions, $"The {what} path '{path}' cannot be loaded: {e.Message}", e);
                }
            }
        }

        if (anchors.Count == 0)
        {
            throw new CarteAuthException(ReasonCodes.CertInvalidOptions, "No trust anchor is configured: set SmartCardOptions.TrustAnchors or TrustAnchorPaths to the IGC-Santé root(s) (e.g. AC RACINE IGC-SANTE FORT). The operating system's store is never used.");
        }

        foreach (var anchor in anchors)
        {
            if (anchor.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: false })
            {
                throw new CarteAuthException(ReasonCodes.CertInvalidOptions, $"The trust anchor '{Printable.Of(anchor.Subject, 160)}' is not a CA certificate (basicConstraints cA=false): configure the IGC-Santé root, not a card certificate.");
            }
        }

        return new TrustState(anchors, intermediates, generation);
    }

    private sealed record TrustState(X509Certificate2Collection Anchors, X509Certificate2Collection Intermediates, long Generation);

    private sealed record CacheEntry(ChainOutcome Outcome, DateTimeOffset ExpiresAt);

    private sealed record ChainOutcome(string? ReasonCode, string? Message, X509Certificate2? Issuer, string? IssuerCommonName, IgcSanteRange? Range, bool FromCache)
    {
        public static ChainOutcome Refused(string message) => new(ReasonCodes.CertUntrustedChain, message, null, null, null, false);
    }
}
