using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CarteAuth.IO;

namespace CarteAuth.SmartCard.Development;

/// <summary>Options of a development PKI.</summary>
public sealed class DevPkiOptions
{
    /// <summary>The range of the card-issuing CA (default FORT, as CPS cards).</summary>
    public IgcSanteRange Range { get; set; } = IgcSanteRange.Fort;

    /// <summary>CRL distribution point written into card certificates (e.g. <c>http://127.0.0.1:8080/fort-personnes.crl</c>); none when null.</summary>
    public Uri? CrlUrl { get; set; }

    /// <summary>OCSP responder written into card certificates' AIA (e.g. <c>http://127.0.0.1:8081</c>); none when null.</summary>
    public Uri? OcspUrl { get; set; }

    /// <summary>The PKI's notion of now (certificates are valid from a day before); default the current time.</summary>
    public DateTimeOffset? Now { get; set; }

    /// <summary>Password of the PFX files written by <see cref="DevPki.WriteTo"/>.</summary>
    public string PfxPassword { get; set; } = "carteauth-dev";
}

/// <summary>A card certificate issued by a <see cref="DevPki"/>, with its private key.</summary>
public sealed class DevCard : IDisposable
{
    internal DevCard(DevCardSpec spec, X509Certificate2 certificate)
    {
        Spec = spec;
        Certificate = certificate;
    }

    /// <summary>What the card holds.</summary>
    public DevCardSpec Spec { get; }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The serial number in upper-case hex (as openssl's index.txt writes it).</summary>
    public string SerialHex => Certificate.SerialNumber;

    /// <inheritdoc/>
    public void Dispose() => Certificate.Dispose();
}

/// <summary>
/// A development PKI shaped like IGC-Santé: a root (<c>AC RACINE IGC-SANTE …</c>), a card-issuing intermediate
/// (<c>AC IGC-SANTE FORT PERSONNES</c>), an OCSP responder certificate, card certificates with the real CPS and
/// CPA/CPE subject shapes, a CRL and an openssl OCSP index. Everything is generated; nothing is meant to be
/// committed. Names carry <c>OU=CARTEAUTH DEV PKI</c> so a development certificate is never mistaken for a real one,
/// and nothing here is trusted unless configured as an anchor.
/// </summary>
public sealed class DevPki : IDisposable
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
    private const string OcspNoCheckOid = "1.3.6.1.5.5.7.48.1.5";
    private const string DevMarker = "CARTEAUTH DEV PKI";

    private readonly DevPkiOptions _options;
    private readonly DateTimeOffset _now;
    private readonly List<DevCard> _cards = [];
    private readonly Dictionary<string, (DevCard Card, DateTimeOffset At, X509RevocationReason Reason)> _revoked = new(StringComparer.Ordinal);
    private long _crlNumber;

    private DevPki(DevPkiOptions options)
    {
        _options = options;
        _now = options.Now ?? DateTimeOffset.UtcNow;
        var rangeName = RangeName(options.Range);
        Root = CreateCa($"AC RACINE IGC-SANTE {rangeName}", issuer: null, pathLength: 1, _now.AddYears(-1), _now.AddYears(20));
        Intermediate = CreateCa($"AC IGC-SANTE {rangeName} PERSONNES", Root, pathLength: 0, _now.AddYears(-1), _now.AddYears(10));
        OcspResponder = CreateOcspResponder();
    }

    /// <summary>The root certificate (with its private key): the trust anchor to configure.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The card-issuing CA (with its private key).</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>The OCSP responder's certificate (with its private key), issued by <see cref="Intermediate"/> for OCSP signing.</summary>
    public X509Certificate2 OcspResponder { get; }

    /// <summary>The cards issued so far.</summary>
    public IReadOnlyList<DevCard> Cards => _cards;

    /// <summary>The cards the dev PKI issues by default: a doctor (CPS), a test-card pharmacist (CPS), a nurse (CPS) and an establishment staff member (CPA).</summary>
    public static IReadOnlyList<DevCardSpec> StandardCards { get; } =
    [
        new() { Name = "doctor", NationalId = "810002813839", FamilyName = "DONNAT-GADY", GivenName = "ISABELLE", Profession = "Médecin" },
        new() { Name = "pharmacist", NationalId = "899700075122", FamilyName = "PHARMACH0007512", GivenName = "CAROLE", Profession = "Pharmacien" },
        new() { Name = "nurse", NationalId = "810100507788", FamilyName = "INFIRMIER", GivenName = "PAUL", Profession = "Infirmier" },
        new()
        {
            Name = "staff",
            NationalId = "500000000029751/CPAT0001",
            FamilyName = "SECRETAIRE",
            GivenName = "JEANNE",
            StructureId = "300000000029751",
            StructureName = "CHU CARTEAUTH DEV",
            Locality = "PARIS",
        },
    ];

    /// <summary>Creates the CA hierarchy (no cards yet).</summary>
    public static DevPki Create(DevPkiOptions? options = null) => new(options ?? new DevPkiOptions());

    /// <summary>Creates the CA hierarchy and issues <see cref="StandardCards"/>.</summary>
    public static DevPki CreateWithStandardCards(DevPkiOptions? options = null)
    {
        var pki = Create(options);
        foreach (var spec in StandardCards)
        {
            pki.IssueCard(spec);
        }

        return pki;
    }

    /// <summary>Issues a card certificate (RSA 2048, as CPS cards) with the IGC-Santé subject shape.</summary>
    public DevCard IssueCard(DevCardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(CardSubject(spec), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usages = spec.DigitalSignature ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usages, true));
        var ekus = new OidCollection();
        if (spec.ClientAuth)
        {
            ekus.Add(new Oid(ClientAuthOid));
        }

        ekus.Add(new Oid("1.3.6.1.5.5.7.3.4")); // emailProtection, as real CPS authentication certificates also carry
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        AddIssuerLinks(request, Intermediate);
        if (_options.CrlUrl is { } crl)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crl.AbsoluteUri]));
        }

        if (_options.OcspUrl is { } ocsp)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocsp.AbsoluteUri], null));
        }

        using var issued = request.Create(Intermediate, spec.NotBefore ?? _now.AddDays(-1), spec.NotAfter ?? _now.AddYears(3), NewSerial());
        var card = new DevCard(spec, issued.CopyWithPrivateKey(key));
        _cards.Add(card);
        return card;
    }

    /// <summary>Marks a card revoked: it appears in the next <see cref="BuildCrl"/> and as <c>R</c> in <see cref="OcspIndex"/>.</summary>
    public void Revoke(DevCard card, DateTimeOffset? at = null, X509RevocationReason reason = X509RevocationReason.KeyCompromise)
    {
        ArgumentNullException.ThrowIfNull(card);
        _revoked[card.SerialHex] = (card, at ?? _now, reason);
    }

    /// <summary>A CRL of the card-issuing CA (DER), listing the revoked cards, signed by <see cref="Intermediate"/>.</summary>
    public byte[] BuildCrl(DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var (card, at, reason) in _revoked.Values)
        {
            builder.AddEntry(card.Certificate, at, reason);
        }

        var start = thisUpdate ?? _now.AddMinutes(-5);
        return builder.Build(Intermediate, ++_crlNumber, nextUpdate ?? start.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, start);
    }

    /// <summary>The openssl <c>ca</c> database (index.txt) that <c>openssl ocsp -index</c> answers from.</summary>
    public string OcspIndex()
    {
        var sb = new StringBuilder();
        foreach (var card in _cards)
        {
            var expiry = OpensslTime(card.Certificate.NotAfter);
            var subject = "/" + string.Join('/', card.Certificate.SubjectName.Name.Split(", ").Reverse());
            if (_revoked.TryGetValue(card.SerialHex, out var r))
            {
                sb.Append(CultureInfo.InvariantCulture, $"R\t{expiry}\t{OpensslTime(r.At.UtcDateTime)}\t{card.SerialHex}\tunknown\t{subject}\n");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"V\t{expiry}\t\t{card.SerialHex}\tunknown\t{subject}\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes the PKI to <paramref name="directory"/>: <c>root.pem</c>, <c>intermediate.pem</c>, <c>chain.pem</c>,
    /// <c>ocsp-responder.pem</c> and <c>.key.pem</c>, <c>fort-personnes.crl</c> (DER), <c>index.txt</c> (openssl OCSP
    /// database), and per card <c>cards/NAME.pem</c>, <c>cards/NAME.key.pem</c>, <c>cards/NAME.pfx</c>. Private keys are
    /// written readable by their owner only.
    /// </summary>
    public void WriteTo(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var cards = Directory.CreateDirectory(Path.Combine(directory, "cards")).FullName;
        File.WriteAllText(Path.Combine(directory, "root.pem"), Root.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "intermediate.pem"), Intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "chain.pem"), Intermediate.ExportCertificatePem() + "\n" + Root.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "ocsp-responder.pem"), OcspResponder.ExportCertificatePem() + "\n");
        SecretFile.Write(Path.Combine(directory, "ocsp-responder.key.pem"), PrivateKeyPem(OcspResponder));
        File.WriteAllBytes(Path.Combine(directory, RangeName(_options.Range).ToLowerInvariant() + "-personnes.crl"), BuildCrl());
        File.WriteAllText(Path.Combine(directory, "index.txt"), OcspIndex());
        File.WriteAllText(Path.Combine(directory, "index.txt.attr"), "unique_subject = no\n");
        foreach (var card in _cards)
        {
            File.WriteAllText(Path.Combine(cards, card.Spec.Name + ".pem"), card.Certificate.ExportCertificatePem() + "\n");
            SecretFile.Write(Path.Combine(cards, card.Spec.Name + ".key.pem"), PrivateKeyPem(card.Certificate));
            var pfx = card.Certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, _options.PfxPassword);
            SecretFile.Write(Path.Combine(cards, card.Spec.Name + ".pfx"), pfx);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var card in _cards)
        {
            card.Dispose();
        }

        OcspResponder.Dispose();
        Intermediate.Dispose();
        Root.Dispose();
    }

    /// <summary>The range's word in CA names.</summary>
    internal static string RangeName(IgcSanteRange range) => range switch
    {
        IgcSanteRange.Elementaire => "ELEMENTAIRE",
        IgcSanteRange.Standard => "STANDARD",
        IgcSanteRange.Fort => "FORT",
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, "Unknown IGC-Santé range."),
    };

    private static X500DistinguishedName CaName(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion("FR");
        builder.AddOrganizationName("ASIP-SANTE");
        builder.AddOrganizationalUnitName("0002 187512751");
        builder.AddOrganizationalUnitName("IGC-SANTE");
        builder.AddOrganizationalUnitName(DevMarker);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>
    /// The card subject, most general RDN first as DER requires: <c>C, title, {CN+SN+GN}</c> for a CPS card and
    /// <c>C, O, L, OU, {CN+SN+GN}</c> for a CPA/CPE card. The last RDN is multi-valued (a SET of three attributes,
    /// sorted by DER as X.690 §11.6 requires), which X500DistinguishedNameBuilder cannot build.
    /// </summary>
    internal static X500DistinguishedName CardSubject(DevCardSpec spec)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            Rdn(writer, ("2.5.4.6", "FR"));
            if (spec.StructureId is null)
            {
                if (spec.Profession is not null)
                {
                    Rdn(writer, ("2.5.4.12", spec.Profession));
                }
            }
            else
            {
                if (spec.StructureName is not null)
                {
                    Rdn(writer, ("2.5.4.10", spec.StructureName));
                }

                if (spec.Locality is not null)
                {
                    Rdn(writer, ("2.5.4.7", spec.Locality));
                }

                Rdn(writer, ("2.5.4.11", spec.StructureId));
            }

            var person = new List<(string, string)> { ("2.5.4.3", spec.NationalId), ("2.5.4.4", spec.FamilyName) };
            if (spec.GivenName is not null)
            {
                person.Add(("2.5.4.42", spec.GivenName));
            }

            Rdn(writer, [.. person]);
        }

        return new X500DistinguishedName(writer.Encode());
    }

    private static void Rdn(AsnWriter writer, params (string Oid, string Value)[] attributes)
    {
        using (writer.PushSetOf())
        {
            foreach (var (oid, value) in attributes)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(oid == "2.5.4.6" ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, value);
                }
            }
        }
    }

    private X509Certificate2 CreateCa(string commonName, X509Certificate2? issuer, int pathLength, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(CaName(commonName), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issued = request.Create(issuer, notBefore, notAfter, NewSerial());
        return issued.CopyWithPrivateKey(key);
    }

    private X509Certificate2 CreateOcspResponder()
    {
        using var key = RSA.Create(2048);
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion("FR");
        builder.AddOrganizationName("ASIP-SANTE");
        builder.AddOrganizationalUnitName(DevMarker);
        builder.AddCommonName("OCSP IGC-SANTE " + RangeName(_options.Range) + " PERSONNES");
        var request = new CertificateRequest(builder.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(OcspSigningOid)], true));
        // RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, the responder's own certificate is not checked for revocation.
        request.CertificateExtensions.Add(new X509Extension(OcspNoCheckOid, [0x05, 0x00], false));
        AddIssuerLinks(request, Intermediate);
        using var issued = request.Create(Intermediate, _now.AddDays(-1), _now.AddYears(2), NewSerial());
        return issued.CopyWithPrivateKey(key);
    }

    private static void AddIssuerLinks(CertificateRequest request, X509Certificate2 issuer)
    {
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive (RFC 5280 §4.1.2.2)
        serial[0] |= 0x10; // and 16 bytes long once encoded, so hex strings have a stable width
        return serial;
    }

    private static string OpensslTime(DateTime utc) => utc.ToUniversalTime().ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";

    private static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("The certificate has no RSA private key.");
        return rsa.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
