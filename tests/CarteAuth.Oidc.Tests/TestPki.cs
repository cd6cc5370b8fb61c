using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Oidc.Tests;

/// <summary>
/// A throw-away certification authority made at test time (nothing on disk): it issues a TLS server certificate for
/// 127.0.0.1 (the provider's) and TLS client certificates (the organisation's mTLS certificate). Like
/// <c>CarteAuth.SmartCard.Tests.TestSupport.TestTls</c>, which makes a self-signed server certificate only, issued
/// certificates are round-tripped through PKCS#12 so the TLS stack owns their keys.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly X509Certificate2 _rootWithKey;

    private TestPki(X509Certificate2 rootWithKey)
    {
        _rootWithKey = rootWithKey;
        Root = X509CertificateLoader.LoadCertificate(rootWithKey.RawData);
    }

    /// <summary>The root certificate, without its key: what a client or server trusts.</summary>
    public X509Certificate2 Root { get; }

    public static TestPki Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=CarteAuth tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return new TestPki(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1)));
    }

    /// <summary>A TLS server certificate for <paramref name="ipAddress"/> (default 127.0.0.1) or <paramref name="dnsName"/>.</summary>
    public X509Certificate2 IssueServer(IPAddress? ipAddress = null, string? dnsName = null)
    {
        var san = new SubjectAlternativeNameBuilder();
        if (dnsName is not null)
        {
            san.AddDnsName(dnsName);
        }
        else
        {
            san.AddIpAddress(ipAddress ?? IPAddress.Loopback);
        }

        return Issue("CN=carteauth-test-provider", ServerAuth, san);
    }

    /// <summary>A TLS client certificate (the organisation's, as an IGC-Santé ORG certificate would be), with its private key.</summary>
    public X509Certificate2 IssueClient(string commonName = "carteauth-test-org") => Issue($"CN={commonName}, O=CarteAuth tests", ClientAuth, san: null);

    /// <summary>Whether <paramref name="certificate"/> chains to this root only (the server's check of client certificates).</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        _rootWithKey.Dispose();
        Root.Dispose();
    }

    private X509Certificate2 Issue(string subject, Oid usage, SubjectAlternativeNameBuilder? san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_rootWithKey, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_rootWithKey, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "test"), "test", X509KeyStorageFlags.Exportable);
    }
}
