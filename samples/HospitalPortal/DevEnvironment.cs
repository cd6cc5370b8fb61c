using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.IO;
using CarteAuth.SmartCard.Development;
using CarteAuth.Tokens;

namespace CarteAuth.Samples.HospitalPortal;

/// <summary>
/// The portal's data directory, prepared on first run and reused afterwards: the session signing key
/// (<c>session-key.pem</c>, so sessions survive a restart), the dev PKI (<c>pki/</c>: IGC-Santé-shaped root and card CA,
/// dev card PFX files), the localhost TLS certificate (<c>tls/localhost.pfx</c>) and the SQLite files. Development only:
/// everything here is generated on this machine and must never be committed (the directory is in .gitignore).
/// </summary>
public sealed class DevEnvironment : IDisposable
{
    /// <summary>The password of the dev card PFX files.</summary>
    public const string CardPfxPassword = "carteauth-dev";

    /// <summary>The session signing key's id (stable: tokens name it in <c>kid</c>).</summary>
    public const string SessionKeyId = "hospitalportal-1";

    private DevEnvironment(string directory, SessionSigningKey sessionKey, X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 tls, bool created)
    {
        Directory = directory;
        SessionKey = sessionKey;
        Root = root;
        Intermediate = intermediate;
        TlsCertificate = tls;
        Created = created;
    }

    /// <summary>The data directory (absolute).</summary>
    public string Directory { get; }

    /// <summary>True when this run generated the PKI (first run).</summary>
    public bool Created { get; }

    /// <summary>The session signing key (ES256), loaded from <c>session-key.pem</c>.</summary>
    public SessionSigningKey SessionKey { get; }

    /// <summary>The dev PKI root: the smart card trust anchor.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The dev card-issuing CA.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>The TLS server certificate for localhost, with its private key.</summary>
    public X509Certificate2 TlsCertificate { get; }

    /// <summary>The dev PKI folder.</summary>
    public string PkiDirectory => Path.Combine(Directory, "pki");

    /// <summary>The PFX of a dev card (<c>doctor</c>, <c>nurse</c>, <c>pharmacist</c>, <c>staff</c>), password <see cref="CardPfxPassword"/>.</summary>
    public string CardPfx(string name) => Path.Combine(PkiDirectory, "cards", name + ".pfx");

    /// <summary>The SQLite audit trail.</summary>
    public string AuditPath => Path.Combine(Directory, "audit.db");

    /// <summary>The SQLite session store.</summary>
    public string SessionsPath => Path.Combine(Directory, "sessions.db");

    /// <summary>The SQLite FIDO2 credential store.</summary>
    public string Fido2Path => Path.Combine(Directory, "fido2.db");

    /// <summary>The SQLite pairing store (HOSPI-Connect "appairage": local account ↔ idNat).</summary>
    public string PairingsPath => Path.Combine(Directory, "pairings.db");

    /// <summary>The TLS certificate (PEM, public part), to trust in a browser if wanted.</summary>
    public string TlsCertificatePemPath => Path.Combine(Directory, "tls", "localhost.pem");

    /// <summary>Creates what is missing in <paramref name="directory"/> and loads everything.</summary>
    public static DevEnvironment Prepare(string directory)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);

        var keyPath = Path.Combine(directory, "session-key.pem");
        if (!File.Exists(keyPath))
        {
            using var generated = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, SessionKeyId);
            SecretFile.Write(keyPath, generated.ExportPrivateKeyPem());
        }

        var sessionKey = SessionSigningKey.FromPem(File.ReadAllText(keyPath), SessionTokenAlgorithm.ES256, SessionKeyId);

        var pki = Path.Combine(directory, "pki");
        var created = false;
        if (!File.Exists(Path.Combine(pki, "root.pem")) || !File.Exists(Path.Combine(pki, "cards", "doctor.pfx")))
        {
            // DevPki: root "AC RACINE IGC-SANTE FORT", card CA "AC IGC-SANTE FORT PERSONNES", doctor, pharmacist, nurse, staff cards.
            using var generated = DevPki.CreateWithStandardCards(new DevPkiOptions { PfxPassword = CardPfxPassword });
            generated.WriteTo(pki);
            created = true;
        }

        var root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "root.pem"));
        var intermediate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "intermediate.pem"));

        var tlsDirectory = System.IO.Directory.CreateDirectory(Path.Combine(directory, "tls")).FullName;
        var tlsPath = Path.Combine(tlsDirectory, "localhost.pfx");
        if (!File.Exists(tlsPath))
        {
            using var generated = CreateLocalhostCertificate();
            SecretFile.Write(tlsPath, generated.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, null));
            File.WriteAllText(Path.Combine(tlsDirectory, "localhost.pem"), generated.ExportCertificatePem() + "\n");
        }

        var tls = X509CertificateLoader.LoadPkcs12FromFile(tlsPath, null);
        return new DevEnvironment(directory, sessionKey, root, intermediate, tls, created);
    }

    /// <summary>A self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1 (server authentication, 1 year).</summary>
    internal static X509Certificate2 CreateLocalhostCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, OU=CARTEAUTH DEV, O=CarteAuth HospitalPortal", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        SessionKey.Dispose();
        Root.Dispose();
        Intermediate.Dispose();
        TlsCertificate.Dispose();
    }
}
