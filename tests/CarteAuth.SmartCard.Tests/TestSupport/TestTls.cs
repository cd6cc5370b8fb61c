using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>TLS pieces of the real-server tests (Kestrel mTLS, nginx): a loopback server certificate and a pinned client.</summary>
internal static class TestTls
{
    /// <summary>A self-signed TLS server certificate for 127.0.0.1, round-tripped through PKCS#12 so the TLS stack owns its key.</summary>
    public static X509Certificate2 ServerCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=carteauth-test-server", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12, "server"), "server", X509KeyStorageFlags.Exportable);
    }

    /// <summary>A client presenting <paramref name="clientCertificate"/> (or none) and trusting only <paramref name="server"/>.</summary>
    public static HttpClient PinnedClient(X509Certificate2 server, X509Certificate2? clientCertificate, TimeSpan timeout)
    {
        var serverThumbprint = server.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == serverThumbprint,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            },
        };
        return new HttpClient(handler) { Timeout = timeout };
    }
}
