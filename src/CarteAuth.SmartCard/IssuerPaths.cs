using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Revocation;

namespace CarteAuth.SmartCard;

/// <summary>
/// First presentation of a card whose issuing CA is already known: the CA's own path (issuing CA → anchor) is validated
/// once by the platform chain engine and remembered; each new card certificate of that CA then needs only the last step
/// of RFC 5280 path validation (§6.1.3 for the end certificate, §6.1.5 wrap-up), which is one signature check.
/// </summary>
/// <remarks>
/// Deliberately narrow: whenever the certificate or the path has anything this step does not process itself (name
/// constraints, policy constraints or mappings, an unknown critical extension, a CA certificate as leaf, several
/// candidate issuers, an issuer given only by the client, a validity window not covering the time…), it answers "no
/// opinion" and the caller builds the whole chain with the platform, whose verdict and message then apply. It never
/// refuses anything by itself.
/// </remarks>
internal sealed class IssuerPaths
{
    private const int MaxPaths = 256;

    // RFC 5280 §4.2: the extensions an end certificate may mark critical that this step processes (or that the platform
    // chain engine does not enforce either without an application or certificate policy): key usage, basic constraints,
    // extended key usage, subject alternative name, certificate policies.
    private static readonly HashSet<string> HandledCriticalExtensions = new(StringComparer.Ordinal)
    {
        "2.5.29.15", "2.5.29.19", "2.5.29.37", "2.5.29.17", "2.5.29.32",
    };

    // Extensions that make path processing depend on more than one certificate (§6.1.4 (b)-(j), §6.1.3 (b)-(f)):
    // name constraints, policy mappings, policy constraints, inhibit anyPolicy. A path carrying any of them is left to
    // the platform.
    private static readonly HashSet<string> PathDependentExtensions = new(StringComparer.Ordinal)
    {
        "2.5.29.30", "2.5.29.33", "2.5.29.36", "2.5.29.54",
    };

    private readonly ConcurrentDictionary<string, PathEntry> _paths = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime;
    private readonly Func<X509Certificate2, DateTimeOffset, X509Chain> _buildIssuerChain;
    private int _extended;

    /// <param name="lifetime">How long a validated CA path is reused; zero disables the shortcut.</param>
    /// <param name="buildIssuerChain">Builds the platform chain of a CA certificate at a time (same trust settings as for cards); the caller disposes it.</param>
    public IssuerPaths(TimeSpan lifetime, Func<X509Certificate2, DateTimeOffset, X509Chain> buildIssuerChain)
    {
        _lifetime = lifetime;
        _buildIssuerChain = buildIssuerChain;
    }

    /// <summary>How many certificates were validated by extending a known CA path (for tests and diagnostics).</summary>
    public int Extended => Volatile.Read(ref _extended);

    /// <summary>Forgets every CA path (trust reload).</summary>
    public void Clear() => _paths.Clear();

    /// <summary>
    /// True with the issuing CA when <paramref name="certificate"/> is valid at <paramref name="time"/> as the end of a
    /// known, validated CA path from the configured <paramref name="intermediates"/> or <paramref name="anchors"/>;
    /// false when the platform must decide.
    /// </summary>
    public bool TryExtend(
        X509Certificate2 certificate,
        X509Certificate2Collection anchors,
        X509Certificate2Collection intermediates,
        long generation,
        DateTimeOffset time,
        DateTimeOffset now,
        out X509Certificate2? issuer)
    {
        issuer = null;
        try
        {
            return TryExtendCore(certificate, anchors, intermediates, generation, time, now, out issuer);
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            // A malformed extension or name: the platform chain engine judges the certificate and says why.
            issuer = null;
            return false;
        }
    }

    private bool TryExtendCore(
        X509Certificate2 certificate,
        X509Certificate2Collection anchors,
        X509Certificate2Collection intermediates,
        long generation,
        DateTimeOffset time,
        DateTimeOffset now,
        out X509Certificate2? issuer)
    {
        issuer = null;
        if (_lifetime <= TimeSpan.Zero || !IsPlainEndCertificate(certificate))
        {
            return false;
        }

        // §6.1.3 (a)(4): the certificate's issuer name is the working issuer name, i.e. the subject of the CA before it.
        // Exact DER equality, and exactly one configured candidate: otherwise the platform chooses.
        var issuerName = certificate.IssuerName.RawData;
        X509Certificate2? candidate = null;
        var isAnchor = false;
        foreach (var (collection, anchor) in new[] { (intermediates, false), (anchors, true) })
        {
            foreach (var ca in collection)
            {
                if (ca.SubjectName.RawData.AsSpan().SequenceEqual(issuerName))
                {
                    if (candidate is not null)
                    {
                        return false;
                    }

                    candidate = ca;
                    isAnchor = anchor;
                }
            }
        }

        if (candidate is null)
        {
            return false;
        }

        var path = GetPath(candidate, isAnchor, generation, now);
        if (path is null || time < path.NotBefore || time > path.NotAfter)
        {
            return false; // §6.1.3 (a)(2) for every certificate of the path: each must be valid at the verification time
        }

        // §4.2.1.1: when both are present, the certificate's authority key identifier names the CA's subject key identifier.
        if (certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault() is { } aki &&
            candidate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } ski)
        {
            if (aki.KeyIdentifier is { } id && !id.Span.SequenceEqual(ski.SubjectKeyIdentifierBytes.Span))
            {
                return false;
            }
        }

        // §6.1.3 (a)(1): the signature verifies with the working public key (the CA's); the same checked pair serves the
        // revocation checkers afterwards, so the signature is verified once per card.
        var (pair, _) = CertificatePair.Create(certificate, candidate);
        if (pair is null)
        {
            return false;
        }

        Interlocked.Increment(ref _extended);
        issuer = candidate;
        return true;
    }

    private static bool IsPlainEndCertificate(X509Certificate2 certificate)
    {
        // §6.1.4 applies to CA certificates and self-issued ones: leave those to the platform, as well as anything but
        // a version 3 certificate (§4.1.2.1: extensions need v3).
        if (certificate.Version != 3 || certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            return false;
        }

        foreach (var extension in certificate.Extensions)
        {
            var oid = extension.Oid?.Value ?? string.Empty;
            if ((extension.Critical && !HandledCriticalExtensions.Contains(oid)) || PathDependentExtensions.Contains(oid))
            {
                return false; // §6.1.5 (f): an unrecognised critical extension is the platform's to refuse
            }

            if (extension is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                return false;
            }
        }

        return true;
    }

    private ValidatedPath? GetPath(X509Certificate2 ca, bool isAnchor, long generation, DateTimeOffset now)
    {
        var key = $"{generation}:{ca.GetCertHashString(HashAlgorithmName.SHA256)}";
        if (_paths.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Path;
        }

        var path = ValidatePath(ca, isAnchor, now);
        if (_paths.Count >= MaxPaths)
        {
            _paths.Clear();
        }

        _paths[key] = new PathEntry(path, now + _lifetime);
        return path;
    }

    private ValidatedPath? ValidatePath(X509Certificate2 ca, bool isAnchor, DateTimeOffset now)
    {
        // §6.1.4 (k), (n): the issuing CA must be a CA (basicConstraints cA=true) allowed to sign certificates (keyCertSign
        // when key usage is present). The platform checks this for the CAs above the target, not for the target itself.
        if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true } ||
            ca.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage && (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
        {
            return null;
        }

        IReadOnlyList<X509Certificate2> elements;
        X509Chain? chain = null;
        try
        {
            if (isAnchor)
            {
                elements = [ca];
            }
            else
            {
                chain = _buildIssuerChain(ca, now);
                if (!chain.Build(ca))
                {
                    return null;
                }

                elements = chain.ChainElements.Select(e => e.Certificate).ToList();
            }

            var notBefore = DateTimeOffset.MinValue;
            var notAfter = DateTimeOffset.MaxValue;
            foreach (var element in elements)
            {
                if (element.Extensions.Cast<X509Extension>().Any(e => PathDependentExtensions.Contains(e.Oid?.Value ?? string.Empty)))
                {
                    return null;
                }

                notBefore = Max(notBefore, new DateTimeOffset(element.NotBefore.ToUniversalTime(), TimeSpan.Zero));
                notAfter = Min(notAfter, new DateTimeOffset(element.NotAfter.ToUniversalTime(), TimeSpan.Zero));
            }

            return new ValidatedPath(notBefore, notAfter);
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            chain?.Dispose();
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record ValidatedPath(DateTimeOffset NotBefore, DateTimeOffset NotAfter);

    private sealed record PathEntry(ValidatedPath? Path, DateTimeOffset ExpiresAt);
}
